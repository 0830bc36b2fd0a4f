"""Support throughput with and without the ledger append, through the real service.

    .venv/bin/python benchmarks/ledger_supports.py [--supports 2000] [--threads 1,8] [--rounds 3]
    ENGAGE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test  (optional)

Each support is one transaction as a request makes it (BEGIN IMMEDIATE on SQLite, the
participant's row lock, the support row, the counter, and with the ledger its per-consultation
lock and one insert). "without" swaps the append for a no-op: what the ledger costs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.proposal_pages import benchmark_app, fill  # noqa: E402
from engage.extensions import db  # noqa: E402


def run(app, pairs, threads: int) -> float:
    """Supports per second for these (user id, proposal id) pairs, split over `threads`."""
    from engage.auth.models import User
    from engage.proposals.models import Proposal
    from engage.votes import services as votes

    chunks = [pairs[n::threads] for n in range(threads)]
    start = threading.Barrier(threads + 1)

    def worker(chunk):
        start.wait()
        for user_id, proposal_id in chunk:
            with app.test_request_context("/", method="POST"):
                votes.support(db.session.get(User, user_id), db.session.get(Proposal, proposal_id))
                db.session.commit()
                db.session.remove()

    workers = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    for w in workers:
        w.start()
    start.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    return len(pairs) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--supports", type=int, default=2000)
    parser.add_argument("--threads", default="1,8")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from engage.ledger import services as ledger_services
    from engage.votes import services as votes

    with benchmark_app() as app:
        with app.app_context():
            world = fill(proposals=100, supports=1, comments=1)  # (bulk rows: outside the ledger)
            from engage.auth.models import User
            from engage.proposals.models import Proposal
            from engage.votes.models import Support

            users = list(db.session.scalars(sa.select(User.id)))
            proposals = list(db.session.scalars(sa.select(Proposal.id)))
            engine = db.engine.dialect.name
            taken = set(db.session.execute(sa.select(Support.user_id, Support.proposal_id)).tuples())
        # Fresh (person, proposal) pairs for every run, so no support is refused as a repeat.
        all_pairs = iter([(u, p) for p in proposals for u in users if (u, p) not in taken])
        print(f"{engine}: {args.supports} supports per run, consultation {world['consultation']}")
        print(f"{'threads':>8} {'with ledger /s':>15} {'without /s':>11} {'cost':>6}")
        real_append = ledger_services.append
        for threads in map(int, args.threads.split(",")):
            rates = {"with": [], "without": []}
            for _round in range(args.rounds):  # alternated, medians: a shared machine is noisy
                rates["with"].append(run(app, [next(all_pairs) for _ in range(args.supports)], threads))
                votes.ledger.append = lambda **_kwargs: None
                try:
                    rates["without"].append(run(app, [next(all_pairs) for _ in range(args.supports)], threads))
                finally:
                    votes.ledger.append = real_append
            with_ledger, without = statistics.median(rates["with"]), statistics.median(rates["without"])
            print(f"{threads:8d} {with_ledger:15.0f} {without:11.0f} {1 - with_ledger / without:6.0%}")


if __name__ == "__main__":
    main()
