"""A worker killed with kill -9 under load loses no acknowledged support.

Slow, so it runs only when ENGAGE_RUN_LOAD_TESTS=1 (.ci/run sets it), on the suite's database
(PostgreSQL in CI, or the SQLite file). gunicorn serves the app in three worker processes; every
client signs in, then supports and takes back supports for a bounded time. Midway, one worker
(a child of the gunicorn master, found in /proc) gets SIGKILL, and the master starts a new one.

The requests in flight on the killed worker lose their connection: they were never acknowledged,
so the client marks that support "in doubt" and, on its next turn, asks again. Asking again is
safe because the answers say the state: 200 (done), or 409 "You already support this proposal" /
"You do not support this proposal". Every answered request is an acknowledgement of the state
the client then believes; afterwards each (person, proposal) must be in the database exactly as
last acknowledged, and the tallies must recount clean (`flask tally recount` included).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import signal
import threading
import time

import pytest
from sqlalchemy import select

from engage.consultations.models import Consultation
from engage.extensions import db
from engage.ledger.audit import audit
from engage.votes import tally
from engage.votes.models import Support
from tests.reliability.harness import ON_POSTGRES, Browser, children_of, gunicorn, voting_consultation

pytestmark = [pytest.mark.no_db,
              pytest.mark.skipif(os.environ.get("ENGAGE_RUN_LOAD_TESTS") != "1",
                                 reason="fault test: set ENGAGE_RUN_LOAD_TESTS=1")]
SECONDS = 10
KILL_AFTER = 4  # seconds into the load
WORKERS = 3
CLIENTS = 32 if ON_POSTGRES else 12
ALREADY = "You already support this proposal."  # the participants read English
NOT_SUPPORTED = "You do not support this proposal."


@pytest.fixture
def world(app):
    with voting_consultation(app, CLIENTS, prefix="kill") as ids:
        yield ids


@pytest.fixture
def server(app, world):
    with gunicorn(app, workers=WORKERS, threads=4) as (base, master):
        yield base, master


def _workers(master, count: int, timeout: float = 30) -> set[int]:
    """The master's workers, once there are `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        found = children_of(master.pid)
        if len(found) == count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


class Tally:
    """What the clients saw, shared between their threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.acknowledged = 0        # 200: the support was given or taken back
        self.confirmed = 0           # 409 naming the state: nothing changed, and the client now knows it
        self.connection_errors: list[float] = []  # when (monotonic) a request lost its connection
        self.server_errors: list[str] = []
        self.unexpected: list[str] = []
        self.resolved_after_doubt = 0
        self.crashed: list[str] = []
        self.state: dict[tuple[int, int], bool] = {}   # (user id, proposal id) -> last acknowledged state
        self.in_doubt: set[tuple[int, int]] = set()     # a request on it lost its connection, not asked again yet


def test_a_worker_killed_under_load_loses_no_acknowledged_support(app, world, server):
    base, master = server
    before = _workers(master, WORKERS)
    assert len(before) == WORKERS, f"gunicorn started {len(before)} workers, expected {WORKERS}"
    seen = Tally()
    start = time.monotonic()
    deadline = start + SECONDS
    kill = {}

    def ask(browser, token, user_id, proposal_id, supported: bool | None, intended: bool) -> bool | None:
        """One support or withdrawal; returns the state now acknowledged, or None if in doubt."""
        path = "sostieni" if intended else "togli-sostegno"
        pair = (user_id, proposal_id)
        try:
            status, body = browser.request(f"/proposte/{proposal_id}/{path}", {"csrf_token": token},
                                           accept="application/json")
        except (OSError, http.client.HTTPException):
            with seen.lock:
                seen.requests += 1
                seen.connection_errors.append(time.monotonic())
                seen.in_doubt.add(pair)
            return None
        with seen.lock:
            seen.requests += 1
            if status >= 500:
                seen.server_errors.append(f"{path} {proposal_id}: {status}")
                return None
            if status == 200:
                seen.acknowledged += 1
                now = intended
            elif status == 409 and json.loads(body).get("error") in (ALREADY, NOT_SUPPORTED):
                seen.confirmed += 1
                now = json.loads(body)["error"] == ALREADY
                if supported is not None:  # only a request in doubt may find the state other than believed
                    seen.unexpected.append(f"{path} {proposal_id}: 409 although the state was acknowledged")
            else:
                seen.unexpected.append(f"{path} {proposal_id}: {status} {body[:80]!r}")
                return None
            if pair in seen.in_doubt:
                seen.in_doubt.discard(pair)
                seen.resolved_after_doubt += 1
            seen.state[pair] = now
            return now

    def person(index: int):
        try:
            rng = random.Random(index)
            user_id = world["users"][index]
            browser = Browser(base)
            token = sign_in_despite_the_kill(browser, world["emails"][index])
            believed: dict[int, bool | None] = {}   # proposal id -> acknowledged state (None: in doubt)
            intended: dict[int, bool] = {}          # what the last request on it asked for
            while time.monotonic() < deadline:
                proposal_id = rng.choice(world["proposals"])
                supported = believed.get(proposal_id, False)
                # In doubt: ask for the same thing again, and let the answer say where it stands.
                wanted = intended[proposal_id] if supported is None else not supported
                intended[proposal_id] = wanted
                believed[proposal_id] = ask(browser, token, user_id, proposal_id, supported, wanted)
            # The load is over: settle what is still in doubt (the server is whole again by now).
            for proposal_id, supported in believed.items():
                for _attempt in range(5):
                    if supported is not None:
                        break
                    time.sleep(0.2)
                    supported = ask(browser, token, user_id, proposal_id, None, intended[proposal_id])
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in a thread
            with seen.lock:
                seen.crashed.append(f"client {index}: {type(error).__name__}: {error}")

    def sign_in_despite_the_kill(browser, email):
        """On a slow machine a sign-in may still be in flight when the worker dies: as a person
        would, try again (the kill is about supports; a lost sign-in is not a lost support)."""
        for attempt in range(5):
            try:
                return browser.sign_in(email)
            except (OSError, http.client.HTTPException):
                if attempt == 4:
                    raise
                time.sleep(0.2)

    def killer():
        time.sleep(KILL_AFTER)
        victim = random.Random(0).choice(sorted(children_of(master.pid)))
        kill["victim"], kill["at"] = victim, time.monotonic()
        os.kill(victim, signal.SIGKILL)
        after = _workers(master, WORKERS)
        while victim in after or len(after) != WORKERS:
            if time.monotonic() > kill["at"] + 30:
                break
            time.sleep(0.05)
            after = _workers(master, WORKERS)
        kill["respawned_at"], kill["workers_after"] = time.monotonic(), after

    threads = [threading.Thread(target=person, args=(i,)) for i in range(CLIENTS)]
    threads.append(threading.Thread(target=killer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    duration = time.monotonic() - start

    assert "victim" in kill, "the worker was never killed"
    errors_before_kill = [t for t in seen.connection_errors if t < kill["at"]]
    print(f"\nkill -9 under load ({'PostgreSQL' if ON_POSTGRES else 'SQLite'}): {CLIENTS} clients, "
          f"{WORKERS} workers, {duration:.1f} s, {seen.requests} requests "
          f"({seen.acknowledged} acknowledged with 200, {seen.confirmed} confirmed by a 409), "
          f"{len(seen.server_errors)} 5xx, {len(seen.unexpected)} other errors; worker {kill['victim']} killed "
          f"{kill['at'] - start:.1f} s in, replaced in {kill['respawned_at'] - kill['at']:.2f} s; "
          f"{len(seen.connection_errors)} connections lost to the kill, "
          f"{seen.resolved_after_doubt} supports in doubt settled by asking again")

    assert not seen.crashed, "\n".join(seen.crashed)
    assert kill["victim"] not in kill["workers_after"] and len(kill["workers_after"]) == WORKERS, \
        f"gunicorn did not replace worker {kill['victim']}: workers now {sorted(kill['workers_after'])}"
    assert seen.acknowledged > 0 and not seen.server_errors, seen.server_errors[:10]
    assert not seen.unexpected, seen.unexpected[:10]
    assert not errors_before_kill, f"{len(errors_before_kill)} connections failed before any worker was killed"
    assert not seen.in_doubt, f"still in doubt after the load: {sorted(seen.in_doubt)}"

    with app.app_context():
        rows = set(db.session.execute(select(Support.user_id, Support.proposal_id)
                                      .where(Support.consultation_id == world["consultation"])))
        lost = [pair for pair, supported in seen.state.items() if (pair in rows) is not supported]
        assert not lost, f"acknowledged state lost for {len(lost)} (person, proposal) pairs: {lost[:10]}"
        assert tally.recount(world["consultation"]).corrected == []
        # Killed mid-write, no half entry: one gap-free chain, recounting to the supports table.
        assert audit(db.session.get(Consultation, world["consultation"])) == []
        db.session.rollback()
    result = app.test_cli_runner().invoke(args=["tally", "recount", "--consultation", str(world["consultation"])])
    assert result.exit_code == 0 and "corrected 0" in result.output, result.output
