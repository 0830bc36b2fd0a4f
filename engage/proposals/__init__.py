"""Proposals: citizens' (and institutions' official) ideas inside a consultation."""
