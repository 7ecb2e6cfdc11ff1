"""Pre-approvals' tables and queries."""
