"""Handoffs' tables and queries."""
