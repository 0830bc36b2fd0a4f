"""Shared plumbing: database types, i18n, mail, tokens, errors, template helpers."""
