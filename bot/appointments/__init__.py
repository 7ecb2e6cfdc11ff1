"""Appointments (/appt): booking with conflict checks, changes, reminders and export."""
