"""What every feature's listeners use: dispatch, retries, errors, Block Kit, rich text, and
the typed readers of what Slack sends (values)."""
