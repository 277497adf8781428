"""The sync engine: planner inputs → item mapping → plan (pure) → reconcile → apply; photos, lease, outcomes."""
