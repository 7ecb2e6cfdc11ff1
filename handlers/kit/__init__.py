"""What every feature's listeners use: dispatch, retries, errors, Block Kit and rich text."""
