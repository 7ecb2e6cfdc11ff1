"""The rules of handoffs as plain values: sections, action items, escalation ladders. No I/O."""
