"""Many people at once, against a real multi-process server: no 5xx, no lost write, tallies true.

Slow, so it runs only when ENGAGE_RUN_LOAD_TESTS=1 (.ci/run sets it). gunicorn serves the app
in two worker processes on the suite's database (PostgreSQL in CI, or the SQLite file); every
client signs in, then supports, takes back supports and comments for a bounded time.
"""
from __future__ import annotations

import os
import random
import threading
import time

import pytest
from sqlalchemy import func, select

from engage.comments.models import Comment
from engage.consultations.models import Consultation
from engage.extensions import db
from engage.ledger.audit import audit
from engage.votes import tally
from engage.votes.models import Support
from tests.reliability.harness import ON_POSTGRES, Browser, gunicorn, voting_consultation

pytestmark = [pytest.mark.no_db,
              pytest.mark.skipif(os.environ.get("ENGAGE_RUN_LOAD_TESTS") != "1",
                                 reason="load test: set ENGAGE_RUN_LOAD_TESTS=1")]
SECONDS = 10
CLIENTS = 64 if ON_POSTGRES else 12


@pytest.fixture
def world(app):
    with voting_consultation(app, CLIENTS, prefix="load") as ids:
        yield ids


@pytest.fixture
def server(app, world):
    with gunicorn(app, workers=2, threads=8) as (base, _master):
        yield base


def test_64_people_support_withdraw_and_comment_at_once(app, world, server):
    statuses: list[int] = []
    acknowledged: dict[tuple[int, int], bool] = {}
    comments_acknowledged = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def person(index: int):
        rng = random.Random(index)
        browser = Browser(server)
        token = browser.sign_in(world["emails"][index])
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
        # The storm left one gap-free chain whose recount equals the supports table.
        assert audit(db.session.get(Consultation, world["consultation"])) == []
