"""Accounts: users, server-side login sessions, register/login/logout, `flask users`."""
