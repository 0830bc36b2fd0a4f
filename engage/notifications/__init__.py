"""Notifications: in the app for everyone concerned, by e-mail as each person chose (straight away,
in a daily digest, or not at all), through the mail queue in engage/core/mail.py.

kinds.py names every kind once; services.py records them (`notify`, `notify_proposal_audience`,
`notify_consultation_followers`, `notify_institution_officers`), makes the digests and announces
phases; mails.py writes the e-mails with their one-click unsubscribe link; cli.py has the commands.
"""
