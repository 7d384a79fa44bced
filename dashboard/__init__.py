"""Alliances Tracker: the application package (services, UI helpers, command line)."""
