"""The open data API (/api/v1) and the open data page: public data only, read-only."""
