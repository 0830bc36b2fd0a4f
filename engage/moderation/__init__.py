"""Moderation: reports, cases, hiding, holding for review, blocking, appeals and the audit log."""
