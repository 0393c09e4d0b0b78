"""Accounts, logins, passwords and role grants."""
