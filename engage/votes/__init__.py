"""Supports: one person's vote for a proposal. Written only by services.py, counted only by tally.py."""
