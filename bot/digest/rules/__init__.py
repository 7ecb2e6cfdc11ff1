"""The digest's decisions as plain values: when a channel gets one, and what goes in it."""
