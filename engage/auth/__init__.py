"""Accounts: registration, e-mail confirmation, login, password reset, profile, roles."""
