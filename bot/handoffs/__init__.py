"""Handoffs (/handoff): I-PASS or SBAR notes, read back by the receiver, escalated."""
