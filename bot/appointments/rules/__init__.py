"""Appointments' rules as plain values: kinds, statuses, slots, quick form, iCalendar."""
