"""Entry point for gunicorn and `flask --app wsgi`."""
from engage import create_app

app = create_app()
