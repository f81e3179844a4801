"""Invitations and reminders by e-mail: plan (pure), messages, iCalendar, the outbox, dispatch."""
