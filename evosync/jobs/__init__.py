"""Background jobs: one row per job, run in a daemon thread under a heartbeated lease."""
