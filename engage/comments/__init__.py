"""Threaded comments on proposals and consultations, with stances and up/down votes."""
