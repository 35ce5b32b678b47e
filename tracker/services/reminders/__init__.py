"""Reminders: the daily sweep, delivery with retries, and what the status page shows."""
