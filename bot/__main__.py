"""`python -m bot` is the carebot command."""

from __future__ import annotations

import sys

from bot.runtime.cli import main

sys.exit(main())
