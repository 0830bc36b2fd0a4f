"""A real browser on a demo of its own: Debian's Chromium driven by Playwright (from PyPI; never
`playwright install`, which downloads a browser), and the app served by Werkzeug in a thread
from a SQLite file with the demo loaded, so nothing touches the suite's database."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def needs_chromium():
    if CHROMIUM is None:
        pytest.skip("no Chromium found (/usr/bin/chromium): .ci/run installs Debian's chromium package")


def demo_server(tmp_path: Path):
    """(base URL, stop()) of the app on a fresh demo database in tmp_path."""
    import flask_migrate
    from werkzeug.serving import make_server

    from engage import create_app
    from engage.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
                      "SECRET_KEY": "browser-tests-only", "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
                      "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "MAIL_SERVER": ""})
    with app.app_context():
        flask_migrate.upgrade()
    runner = app.test_cli_runner()
    for command in (["data", "load"], ["demo", "load"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        with app.app_context():
            db.engine.dispose()

    return f"http://127.0.0.1:{server.server_port}", stop
