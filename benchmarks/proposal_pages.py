"""Times the heaviest participation pages at a realistic size and prints the figures.

    .venv/bin/python benchmarks/proposal_pages.py [--proposals 2000] [--supports 40000] [--comments 500]
    ENGAGE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test  (optional)

It builds a fresh database (a temporary SQLite file, or a new PostgreSQL database next to
the one named), fills one consultation in bulk, then requests each page through the WSGI app
(no network, no server) and prints the median and 95th percentile time and the SQL query count.
Figures, not pass/fail: the suite checks query counts; this shows what a person would wait.
"""
from __future__ import annotations

import argparse
from contextlib import contextmanager
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engage import create_app  # noqa: E402
from engage.core.db import utcnow  # noqa: E402
from engage.extensions import db  # noqa: E402

WORDS = ("pista ciclabile scuola stazione energia comunità verde piazza biblioteca fermata autobus "
         "parcheggio giovani lavoro fiera musica liuteria ospedale quartiere argine fiume").split()


def database_url() -> tuple[str, callable]:
    base = os.environ.get("ENGAGE_BENCH_DATABASE_URL")
    if not base:
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: None
    from engage.config import normalise_database_url

    server = sa.make_url(normalise_database_url(base))
    name = f"engage_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return server.set(database=name).render_as_string(hide_password=False), drop


def fill(proposals: int, supports: int, comments: int) -> dict:
    import flask_migrate

    from engage.auth.models import User
    from engage.comments.models import Comment
    from engage.consultations.models import Consultation
    from engage.institutions.models import Institution
    from engage.masterplan.loader import load_masterplan
    from engage.masterplan.models import PriorityPoint
    from engage.proposals.models import Proposal
    from engage.territory.loader import load_comuni
    from engage.votes.models import Support

    flask_migrate.upgrade()
    load_comuni()
    load_masterplan()
    rng = random.Random(7)
    now = utcnow()
    people = max(supports // 5, 100)
    db.session.execute(sa.insert(User), [
        {"email": f"p{i}@example.org", "display_name": f"Persona {i}", "display_name_key": f"persona {i}",
         "password_hash": "!", "role": "citizen", "locale": "it", "privacy_accepted_at": now,
         "email_confirmed_at": now, "session_token": f"t{i}", "created_at": now, "blocked_reason": ""}
        for i in range(people)])
    user_ids = list(db.session.scalars(sa.select(User.id)))
    points = list(db.session.scalars(sa.select(PriorityPoint).where(PriorityPoint.number.in_([4, 12]))))
    consultation = Consultation(
        institution=db.session.scalar(sa.select(Institution).where(Institution.slug == "provincia-cremona")),
        title_it="Consultazione di prova", summary_it="", body_it="", priority_points=points,
        announced_at=now - timedelta(days=30), proposals_from=now - timedelta(days=20),
        voting_from=now - timedelta(days=1), voting_until=now + timedelta(days=20), supports_per_participant=0,
        support_threshold=50)
    db.session.add(consultation)
    db.session.flush()
    db.session.execute(sa.insert(Proposal), [
        {"consultation_id": consultation.id, "author_id": rng.choice(user_ids), "priority_point_id": points[i % 2].id,
         "title": " ".join(rng.sample(WORDS, 5)).capitalize(), "body": " ".join(rng.choices(WORDS, k=60)),
         "body_html": "<p>…</p>", "status": "published", "moderation": "visible", "is_official": False,
         "support_count": 0, "comment_count": 0, "created_at": now - timedelta(minutes=i)}
        for i in range(proposals)])
    proposal_ids = list(db.session.scalars(sa.select(Proposal.id)))
    # Skewed towards a few popular proposals, one support per person per proposal.
    pairs = set()
    while len(pairs) < supports:
        pairs.add((int(rng.paretovariate(1.2)) % len(proposal_ids), rng.randrange(len(user_ids))))
    db.session.execute(sa.insert(Support), [
        {"proposal_id": proposal_ids[p], "user_id": user_ids[u], "consultation_id": consultation.id,
         "created_at": now} for p, u in pairs])
    busiest = proposal_ids[0]
    db.session.execute(sa.insert(Comment), [
        {"consultation_id": consultation.id, "proposal_id": busiest, "author_id": rng.choice(user_ids),
         "depth": 0, "body": "Un commento " + " ".join(rng.choices(WORDS, k=20)), "body_html": "<p>…</p>",
         "moderation": "visible", "created_at": now - timedelta(seconds=comments - i)}
        for i in range(comments)])
    from engage.votes import tally

    tally.recount(consultation.id)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":  # as autovacuum would have done on a live database
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    return {"consultation": consultation.id, "busiest": busiest, "user": user_ids[0]}


def measure(client, engine, url: str, runs: int) -> tuple[float, float, int]:
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    client.get(url)  # warm up
    times = []
    for _ in range(runs):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", listener)
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        sa.event.remove(engine, "before_cursor_execute", listener)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], len(statements)


@contextmanager
def benchmark_app():
    """The app on a fresh database (see database_url), torn down and dropped afterwards."""
    url, drop = database_url()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark", "RATELIMIT_ENABLED": False})
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()


def print_pages(client, engine, pages, runs: int) -> None:
    """One line per (label, url): median and 95th percentile milliseconds, SQL statements."""
    print(f"{'page':40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, page in pages:
        median, p95, queries = measure(client, engine, page, runs)
        print(f"{label:40} {median:10.1f} {p95:8.1f} {queries:8d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proposals", type=int, default=2000)
    parser.add_argument("--supports", type=int, default=40000)
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with benchmark_app() as app:
        with app.app_context():
            started = time.perf_counter()
            ids = fill(args.proposals, args.supports, args.comments)
            engine = db.engine
            print(f"database: {db.engine.dialect.name}; built {args.proposals} proposals, {args.supports} supports, "
                  f"{args.comments} comments in {time.perf_counter() - started:.1f} s")
        c = ids["consultation"]
        print_pages(app.test_client(), engine, [
            ("proposal list, random order", f"/consultazioni/{c}/proposte"),
            ("proposal list, most supported", f"/consultazioni/{c}/proposte?ordine=supports"),
            ("proposal list, search 'ciclabile'", f"/consultazioni/{c}/proposte?q=ciclabile"),
            ("proposal list, page 50", f"/consultazioni/{c}/proposte?pagina=50"),
            (f"proposal page, {args.comments} comments", f"/proposte/{ids['busiest']}"),
            ("consultation page", f"/consultazioni/{c}"),
            ("home", "/"),
        ], args.runs)


if __name__ == "__main__":
    main()
