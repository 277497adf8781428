"""The operator's pages (/admin): users, their health and queue state, suspend/resume."""
