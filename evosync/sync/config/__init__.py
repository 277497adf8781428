"""The merchant's sync setup: switch, confirmation, settings, the sync-config JSON contract, the summary."""
