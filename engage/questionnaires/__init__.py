"""Questionnaires that a consultation poses to citizens, and their aggregated results."""
