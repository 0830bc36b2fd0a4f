"""Who follows which proposal or consultation; the Results issue turns these into notifications."""
