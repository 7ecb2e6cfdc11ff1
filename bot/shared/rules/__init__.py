"""Shared rules as plain values: clock, time parsing, business days, display, sweep."""
