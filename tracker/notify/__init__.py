"""Reminders: the pure planner, the database service, the outbox sender and the scheduled jobs."""
