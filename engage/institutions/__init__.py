"""Institutions (ATS members) and the officers who act for them."""
