"""Pre-approvals (/preauth): prior authorizations chased with reminders until resolved."""
