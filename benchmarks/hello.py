"""The yardstick: a bare Flask route served with the same gunicorn settings as the app, so every
page's throughput is read as a fraction of what Flask itself can do on the same machine and run."""
from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello():
    return "hello"
