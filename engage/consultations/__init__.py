"""Consultations: an institution's time-boxed process on one or more priority points."""
