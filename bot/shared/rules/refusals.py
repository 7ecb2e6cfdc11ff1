"""The one refusal type: what someone asked for is not done, and the text says why, politely.

Features refine it (a handoff refused, a visit refused); one helper in handlers turns any of
them into the reply the person sees, whichever way they asked.
"""

from __future__ import annotations


class Refused(ValueError):
    """A request carebot will not carry out; str() is the whole reply, with what to do instead."""
