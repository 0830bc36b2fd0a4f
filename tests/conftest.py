"""The app is built once per session from the factory, on SQLite or on the PostgreSQL named by
ENGAGE_TEST_DATABASE_URL; the schema comes from the real migrations. Each test runs inside a
transaction that is rolled back, and mail goes through a real SMTP server (aiosmtpd)."""
from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import uuid
from dataclasses import dataclass, field

import flask_babel
import flask_migrate
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask.globals import _cv_app
from flask_sqlalchemy.session import _app_ctx_id
from flask_login import FlaskLoginClient

from engage import create_app
from engage.extensions import db as _db
from engage.extensions import limiter as _limiter
from engage.masterplan.loader import load_masterplan
from engage.territory.loader import load_comuni

TEST_DATABASE_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")


class Client(FlaskLoginClient):
    """Every request starts with a clean `g` and language, as it would in its own process.

    Tests hold one app context (so they share the request's database session and see its
    writes); without this reset, the signed-in user, CSRF token and locale cached by one
    request would leak into the next.
    """

    def open(self, *args, **kwargs):
        app_context = _cv_app.get(None)
        if app_context is not None:
            app_context.g = app_context.app.app_ctx_globals_class()
            flask_babel.refresh()
        return super().open(*args, **kwargs)


def pytest_collection_modifyitems(config, items):
    if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith(("postgres", "postgresql")):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set ENGAGE_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database per run: a temporary SQLite file, or a new PostgreSQL database."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'engage-test.sqlite3'}"
        return
    from engage.config import normalise_database_url

    server_url = sa.make_url(normalise_database_url(TEST_DATABASE_URL))
    name = f"engage_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@dataclass
class Mailbox:
    """What the SMTP server received, decoded."""

    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def clear(self):
        self.messages.clear()

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str):
        found = self.to(address)
        assert found, f"no mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    def link_in(self, message) -> str:
        match = re.search(r"https?://\S+", self.body(message))
        assert match, "no link in the mail"
        return match.group(0)

    def path_in(self, message) -> str:
        """The mail's first link as a path on the site (its host comes from PUBLIC_URL)."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.link_in(message))
        return parts.path + (f"?{parts.query}" if parts.query else "")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, mailbox
    controller.stop()


@pytest.fixture(scope="session")
def app(database_url, smtp_server):
    controller, _ = smtp_server
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-only-secret",
        # The same algorithm at a test-sized cost: thousands of users are hashed in the suite.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "MAIL_SERVER": controller.hostname,
        "MAIL_PORT": controller.port,
    })
    app.test_client_class = Client
    # Stories sign in many times from one address; tests/security turn the limits on.
    _limiter.enabled = False
    with app.app_context():
        flask_migrate.upgrade()
        load_comuni()
        load_masterplan()
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def db(request, app):
    """Each test's writes live in one outer transaction, rolled back afterwards.

    Services still call commit(): with join_transaction_mode="create_savepoint" that
    commits a savepoint inside our transaction.
    """
    if "no_db" in request.keywords:
        yield None
        return
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        # A plain SQLAlchemy session: Flask-SQLAlchemy's own would route to the engine.
        _db.session = sa.orm.scoped_session(
            sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                                query_cls=_db.Query),
            scopefunc=_app_ctx_id)
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def limits_off_unless_asked():
    """Each test starts with the rate limiter off: a test that turned it on (or re-ran its
    init_app, which turns it on) cannot leak 429s into the tests after it."""
    _limiter.enabled = False
    yield
    _limiter.enabled = False


@pytest.fixture
def mailbox(smtp_server):
    _, mailbox = smtp_server
    mailbox.clear()
    return mailbox


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def client_as(app):
    """`client_as(user)`: a test client already signed in as that user."""
    return lambda user: app.test_client(user=user)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then `len(queries)`: SQL statements sent."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        sa.event.listen(_db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", record)

    return counting
