"""The public, hash-chained ledger of supports: every support and withdrawal, appended in the
support's own transaction, sealed when results are published, recountable by anyone."""
