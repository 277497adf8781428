"""Outgoing mail: Russian text + HTML from templates, sent by a queue task (never inside a request)."""
