"""The admin area: institutions, axes, priority points and roles."""
