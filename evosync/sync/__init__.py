"""Sync configuration, planning, applying and run history."""
