"""A small demo world for people trying the platform. Never loaded in production."""
