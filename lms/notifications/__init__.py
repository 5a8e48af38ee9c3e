"""Notifications: the in-app list, and e-mail through SMTP or the admin-readable outbox."""
