"""What the load and fault tests share: a gunicorn serving the suite's database, browsers that talk
to it over real sockets, and a voting consultation with its participants committed for real."""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, select

from engage.auth.models import User
from engage.comments.models import Comment
from engage.consultations.models import Consultation
from engage.core.db import utcnow
from engage.extensions import db
from engage.follows.models import Follow
from engage.institutions.models import Institution
from engage.masterplan.models import PriorityPoint
from engage.proposals.models import Proposal
from engage.votes.models import Support
from tests.ledger.world import erase_ledgers

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
ON_POSTGRES = (os.environ.get("ENGAGE_TEST_DATABASE_URL") or "").startswith("postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to check, not a page to fetch


class Browser:
    """One person's cookies. `request` returns (status, body); a broken connection raises OSError
    (or http.client.HTTPException): the caller decides what an unanswered request means."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())

    def request(self, path, data=None, accept="text/html"):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept": accept})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def token(self, path) -> str:
        _status, html = self.request(path)
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

    def sign_in(self, email: str) -> str:
        """Signs in; returns a CSRF token for the signed-in session."""
        status, _ = self.request("/accedi", {"email": email, "password": PASSWORD,
                                             "csrf_token": self.token("/accedi")})
        assert status == 302, f"sign-in of {email} failed with {status}"
        return self.token("/")


@contextmanager
def voting_consultation(app, participants: int, prefix: str, proposals: int = 8):
    """A consultation open for voting, `proposals` proposals and `participants` confirmed people
    (e-mail f"{prefix}{i}@example.org"), committed for real: the server is another process and
    cannot see a test transaction. Everything is deleted afterwards."""
    with app.app_context():
        now = utcnow()
        points = list(db.session.scalars(select(PriorityPoint).where(PriorityPoint.number == 12)))
        consultation = Consultation(
            institution=db.session.scalar(select(Institution).where(Institution.slug == "provincia-cremona")),
            title_it=f"Carico {prefix}", summary_it="", body_it="", priority_points=points,
            announced_at=now - timedelta(days=3), proposals_from=now - timedelta(days=2),
            voting_from=now - timedelta(days=1), voting_until=now + timedelta(days=5))
        db.session.add(consultation)
        users = []
        for i in range(participants):
            user = User(email=f"{prefix}{i}@example.org", display_name=f"Carico {prefix} {i}",
                        display_name_key=f"carico {prefix} {i}", locale="en", privacy_accepted_at=now,
                        email_confirmed_at=now)
            user.set_password(PASSWORD)
            users.append(user)
        db.session.add_all(users)
        db.session.flush()
        rows = [Proposal(consultation=consultation, author=users[i % participants], priority_point=points[0],
                         title=f"Proposta di carico {prefix} {i}", body="Testo.", body_html="<p>Testo.</p>")
                for i in range(proposals)]
        db.session.add_all(rows)
        db.session.commit()
        ids = {"consultation": consultation.id, "proposals": [p.id for p in rows],
               "users": [u.id for u in users], "emails": [u.email for u in users]}
    try:
        yield ids
    finally:
        with app.app_context():
            erase_ledgers([ids["consultation"]])
            db.session.execute(delete(Comment).where(Comment.consultation_id == ids["consultation"]))
            db.session.execute(delete(Support).where(Support.consultation_id == ids["consultation"]))
            db.session.execute(delete(Follow).where(Follow.user_id.in_(ids["users"])))
            db.session.execute(delete(Proposal).where(Proposal.consultation_id == ids["consultation"]))
            db.session.execute(delete(Consultation).where(Consultation.id == ids["consultation"]))
            db.session.execute(delete(User).where(User.id.in_(ids["users"])))
            db.session.commit()


@contextmanager
def gunicorn(app, workers: int = 2, threads: int = 8):
    """gunicorn serving wsgi:app on the suite's database; yields (base URL, the master process)."""
    port = free_port()
    # The suite's own key: the ledger's voter tokens it recomputes must be the server's.
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
           "ENGAGE_RATELIMIT_ENABLED": "false", "ENGAGE_PASSWORD_HASH_METHOD": '"scrypt:1024:8:1"'}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
         "--no-control-socket", "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def children_of(pid: int) -> set[int]:
    """The processes whose parent is `pid` (gunicorn's workers, for its master), read from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found
