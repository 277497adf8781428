"""Site-wide routes: home and health check."""
