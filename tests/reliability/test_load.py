"""Many people at once, against a real multi-process server: no 5xx, no lost write, tallies true.

Slow, so it runs only when ENGAGE_RUN_LOAD_TESTS=1 (.ci/run sets it). gunicorn serves the app
in two worker processes on the suite's database (PostgreSQL in CI, or the SQLite file); every
client signs in, then supports, takes back supports and comments for a bounded time.
"""
from __future__ import annotations

import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from engage.auth.models import User
from engage.comments.models import Comment
from engage.consultations.models import Consultation
from engage.core.db import utcnow
from engage.extensions import db
from engage.follows.models import Follow
from engage.institutions.models import Institution
from engage.masterplan.models import PriorityPoint
from engage.proposals.models import Proposal
from engage.votes import tally
from engage.votes.models import Support

pytestmark = [pytest.mark.no_db,
              pytest.mark.skipif(os.environ.get("ENGAGE_RUN_LOAD_TESTS") != "1",
                                 reason="load test: set ENGAGE_RUN_LOAD_TESTS=1")]
ROOT = Path(__file__).resolve().parents[2]
SECONDS = 10
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to check, not a page to fetch


class Browser:
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


@pytest.fixture
def world(app):
    """Committed for real: the server is another process and cannot see a test transaction."""
    with app.app_context():
        now = utcnow()
        points = list(db.session.scalars(select(PriorityPoint).where(PriorityPoint.number == 12)))
        consultation = Consultation(
            institution=db.session.scalar(select(Institution).where(Institution.slug == "provincia-cremona")),
            title_it="Carico", summary_it="", body_it="", priority_points=points,
            announced_at=now - timedelta(days=3), proposals_from=now - timedelta(days=2),
            voting_from=now - timedelta(days=1), voting_until=now + timedelta(days=5))
        db.session.add(consultation)
        users = []
        for i in range(CLIENTS):
            user = User(email=f"load{i}@example.org", display_name=f"Carico {i}", display_name_key=f"carico {i}",
                        locale="en", privacy_accepted_at=now, email_confirmed_at=now)
            user.set_password(PASSWORD)
            users.append(user)
        db.session.add_all(users)
        db.session.flush()
        proposals = [Proposal(consultation=consultation, author=users[i], priority_point=points[0],
                              title=f"Proposta di carico {i}", body="Testo.", body_html="<p>Testo.</p>")
                     for i in range(8)]
        db.session.add_all(proposals)
        db.session.commit()
        ids = {"consultation": consultation.id, "proposals": [p.id for p in proposals],
               "users": [u.id for u in users]}
    yield ids
    with app.app_context():
        db.session.execute(delete(Comment).where(Comment.consultation_id == ids["consultation"]))
        db.session.execute(delete(Support).where(Support.consultation_id == ids["consultation"]))
        db.session.execute(delete(Follow).where(Follow.user_id.in_(ids["users"])))
        db.session.execute(delete(Proposal).where(Proposal.consultation_id == ids["consultation"]))
        db.session.execute(delete(Consultation).where(Consultation.id == ids["consultation"]))
        db.session.execute(delete(User).where(User.id.in_(ids["users"])))
        db.session.commit()


CLIENTS = 64 if (os.environ.get("ENGAGE_TEST_DATABASE_URL") or "").startswith("postgres") else 12


@pytest.fixture
def server(app, world):
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "load-test",
           "ENGAGE_RATELIMIT_ENABLED": "false", "ENGAGE_PASSWORD_HASH_METHOD": '"scrypt:1024:8:1"'}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8", "--no-control-socket",
         "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=20)


def test_64_people_support_withdraw_and_comment_at_once(app, world, server):
    statuses: list[int] = []
    acknowledged: dict[tuple[int, int], bool] = {}
    comments_acknowledged = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def person(index: int):
        rng = random.Random(index)
        browser = Browser(server)
        token = browser.token("/accedi")
        status, _ = browser.request("/accedi", {"email": f"load{index}@example.org", "password": PASSWORD,
                                                "csrf_token": token})
        assert status == 302, f"sign-in failed with {status}"
        token = browser.token("/")
        mine: dict[int, bool] = {}
        while time.monotonic() < deadline:
            proposal_id = rng.choice(world["proposals"])
            roll = rng.random()
            if roll < 0.8:
                path = "togli-sostegno" if mine.get(proposal_id) else "sostieni"
                status, body = browser.request(f"/proposte/{proposal_id}/{path}", {"csrf_token": token},
                                               accept="application/json")
                if status == 200:
                    mine[proposal_id] = path == "sostieni"
            else:
                status, _ = browser.request(f"/proposte/{proposal_id}/commenti",
                                            {"body": f"Commento di carico {index}", "csrf_token": token})
                if status in (302, 303):
                    with lock:
                        comments_acknowledged[0] += 1
            with lock:
                statuses.append(status)
        with lock:
            for proposal_id, supported in mine.items():
                acknowledged[(world["users"][index], proposal_id)] = supported

    threads = [threading.Thread(target=person, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)

    server_errors = [s for s in statuses if s >= 500]
    print(f"\nload: {CLIENTS} clients, {SECONDS} s, {len(statuses)} requests, {len(server_errors)} 5xx, "
          f"{comments_acknowledged[0]} comments acknowledged")
    assert statuses and not server_errors
    with app.app_context():
        rows = set(db.session.execute(select(Support.user_id, Support.proposal_id)
                                      .where(Support.consultation_id == world["consultation"])))
        for pair, supported in acknowledged.items():
            assert (pair in rows) is supported, f"acknowledged state lost for {pair}"
        stored_comments = db.session.scalar(select(func.count()).select_from(Comment).where(
            Comment.consultation_id == world["consultation"]))
        assert stored_comments == comments_acknowledged[0]
        assert tally.recount(world["consultation"]).corrected == []
