"""Reminders: the pure planner, the database service, the digest (written at send time for
the outbox's sender) and the scheduled jobs."""
