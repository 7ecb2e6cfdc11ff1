"""The rules of pre-approvals as plain values: states, timing, the quick form. No I/O."""
