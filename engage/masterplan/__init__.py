"""Masterplan 3C: the three EU axes and the 13 priority points everything is tied to."""
