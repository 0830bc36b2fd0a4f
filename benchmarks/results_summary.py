"""Times the result summary pages at national scale and prints the figures.

    .venv/bin/python benchmarks/results_summary.py [--proposals 100000] [--supports 1000000] [--runs 5]
    ENGAGE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test  (optional)

Builds the database as benchmarks/proposal_pages.py does (one consultation, supports skewed
towards a few popular proposals), spreads the people over the comuni and age bands, then
requests the consultation's results page, the priority point's and the axis's, and the
summary export, through the WSGI app.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.proposal_pages import benchmark_app, fill, print_pages  # noqa: E402
from engage.extensions import db  # noqa: E402


def spread_people() -> None:
    """Give every person a comune (weighted by population) and an age band, in a few UPDATEs."""
    from engage.auth.models import AgeBand, User
    from engage.territory.models import Comune

    rng = random.Random(5)
    comuni = list(db.session.execute(sa.select(Comune.id, Comune.population)))
    ids = list(db.session.scalars(sa.select(User.id)))
    chosen = rng.choices([c for c, _ in comuni], weights=[p for _, p in comuni], k=len(ids))
    bands = [band.value for band in AgeBand]
    db.session.execute(sa.update(User), [
        {"id": uid, "comune_id": comune, "age_band": bands[uid % len(bands)]}
        for uid, comune in zip(ids, chosen, strict=True)])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proposals", type=int, default=100_000)
    parser.add_argument("--supports", type=int, default=1_000_000)
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with benchmark_app() as app:
        with app.app_context():
            started = time.perf_counter()
            ids = fill(args.proposals, args.supports, args.comments)
            spread_people()
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("ANALYZE")
            engine = db.engine
            from engage.masterplan.models import PriorityPoint

            point = db.session.scalar(sa.select(PriorityPoint).where(PriorityPoint.number == 12))
            point_slug, axis_slug = point.slug, point.axis.slug
            print(f"database: {engine.dialect.name}; built {args.proposals} proposals, {args.supports} supports "
                  f"in {time.perf_counter() - started:.1f} s")
        c = ids["consultation"]
        print_pages(app.test_client(), engine, [
            ("consultation results page", f"/consultazioni/{c}/risultati"),
            ("priority point results page", f"/punti/{point_slug}/risultati"),
            ("axis results page", f"/assi/{axis_slug}/risultati"),
            ("summary export (CSV)", f"/consultazioni/{c}/risultati/sintesi.csv"),
        ], args.runs)


if __name__ == "__main__":
    main()
