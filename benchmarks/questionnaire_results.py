"""Times a questionnaire's results page and exports at 10,000 responses and prints the figures.

    .venv/bin/python benchmarks/questionnaire_results.py [--responses 10000] [--runs 15]
    ENGAGE_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test  (optional)

A fresh database (as in proposal_pages.py) gets one closed questionnaire with a question of
every kind, answered by --responses people spread over the comuni and age bands, with
choices skewed towards a few options. Then the public results page (with and without a
breakdown) is requested through the WSGI app, and the CSV and JSON exports are generated.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.proposal_pages import WORDS, benchmark_app, print_pages  # noqa: E402
from engage.core.db import utcnow  # noqa: E402
from engage.extensions import db  # noqa: E402


def fill(responses: int) -> int:
    import flask_migrate

    from engage.auth.models import AgeBand, Role, User
    from engage.consultations.models import Consultation
    from engage.consultations.phases import Phase
    from engage.institutions.models import Institution
    from engage.masterplan.loader import load_masterplan
    from engage.masterplan.models import PriorityPoint
    from engage.questionnaires import services
    from engage.questionnaires.models import Answer, QuestionKind as K, Response
    from engage.territory.loader import load_comuni
    from engage.territory.models import Comune

    flask_migrate.upgrade()
    load_comuni()
    load_masterplan()
    rng = random.Random(11)
    now = utcnow()
    admin = User(email="admin@example.org", display_name="Admin", display_name_key="admin", password_hash="!",
                 role=Role.ADMIN, locale="it", privacy_accepted_at=now, email_confirmed_at=now)
    db.session.add(admin)
    consultation = Consultation(
        institution=db.session.scalar(sa.select(Institution).where(Institution.slug == "provincia-cremona")),
        title_it="Consultazione di prova", summary_it="", body_it="",
        priority_points=list(db.session.scalars(sa.select(PriorityPoint).limit(1))),
        announced_at=now - timedelta(days=40), proposals_from=now - timedelta(days=30),
        voting_from=now - timedelta(days=20), voting_until=now - timedelta(days=10), supports_per_participant=0,
        support_threshold=50)
    db.session.add(consultation)
    db.session.flush()
    questionnaire = services.create_questionnaire(admin, consultation, title_it="Questionario di prova",
                                                  intro_it="", open_phase=Phase.PROPOSALS, anonymous=True)
    spec = [
        (K.SINGLE, {"has_other": True, "options": [(w, None) for w in WORDS[:5]]}),
        (K.MULTIPLE, {"max_choices": 3, "options": [(w, None) for w in WORDS[5:13]]}),
        (K.SCALE, {}),
        (K.RANKING, {"options": [(w, None) for w in WORDS[13:18]]}),
        (K.SHORT_TEXT, {}),
        (K.LONG_TEXT, {}),
    ]
    for kind, extra in spec:
        services.add_question(admin, questionnaire, kind, text_it=f"Domanda {kind.value}", **extra)
    services.publish(admin, questionnaire)
    db.session.flush()

    comuni = list(db.session.execute(sa.select(Comune.id, Comune.population)))
    weights = [population for _, population in comuni]
    bands = [band.value for band in AgeBand] + [None]
    db.session.execute(sa.insert(Response), [
        {"questionnaire_id": questionnaire.id, "respondent_token": f"token-{i}", "respondent_id": None,
         "comune_id": rng.choices(comuni, weights)[0][0] if rng.random() < 0.9 else None,
         "age_band": rng.choice(bands), "started_at": now, "updated_at": now,
         "submitted_at": now if rng.random() < 0.97 else None}
        for i in range(responses)])
    response_ids = list(db.session.scalars(sa.select(Response.id)))
    single, multiple, scale, ranking, short, long_ = questionnaire.questions
    rows = []
    for rid in response_ids:
        if rng.random() < 0.05:
            rows.append({"response_id": rid, "question_id": single.id, "text": "Altro: " + rng.choice(WORDS)})
        else:
            rows.append({"response_id": rid, "question_id": single.id,
                         "option_id": single.options[min(int(rng.paretovariate(1.5)) - 1, 4)].id})
        for option in rng.sample(multiple.options, rng.randint(1, 3)):
            rows.append({"response_id": rid, "question_id": multiple.id, "option_id": option.id})
        rows.append({"response_id": rid, "question_id": scale.id, "value": min(max(round(rng.gauss(3.4, 1)), 1), 5)})
        for rank, option in enumerate(rng.sample(ranking.options, len(ranking.options)), start=1):
            rows.append({"response_id": rid, "question_id": ranking.id, "option_id": option.id, "value": rank})
        if rng.random() < 0.4:
            rows.append({"response_id": rid, "question_id": short.id, "text": " ".join(rng.choices(WORDS, k=3))})
        if rng.random() < 0.2:
            rows.append({"response_id": rid, "question_id": long_.id, "text": " ".join(rng.choices(WORDS, k=40))})
    for row in rows:
        row.setdefault("option_id", None)
        row.setdefault("value", None)
        row.setdefault("text", None)
        row["moderation"] = "visible"
    db.session.execute(sa.insert(Answer), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    print(f"{len(response_ids)} responses, {len(rows)} answer rows")
    return questionnaire.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with benchmark_app() as app:
        with app.app_context():
            started = time.perf_counter()
            questionnaire_id = fill(args.responses)
            engine = db.engine
            print(f"database: {engine.dialect.name}; built in {time.perf_counter() - started:.1f} s")
        print_pages(app.test_client(), engine, [
            ("results page", f"/questionari/{questionnaire_id}/risultati"),
            ("results by age band", f"/questionari/{questionnaire_id}/risultati?per=eta"),
            ("results by comune", f"/questionari/{questionnaire_id}/risultati?per=comune"),
        ], args.runs)
        from engage.questionnaires import exports
        from engage.questionnaires.queries import questionnaire_for_page

        with app.test_request_context():
            questionnaire = questionnaire_for_page(questionnaire_id)
            for label, make in (("CSV export", exports.csv_lines), ("JSON export", exports.json_chunks)):
                start = time.perf_counter()
                size = sum(len(chunk) for chunk in make(questionnaire))
                print(f"{label:40} {(time.perf_counter() - start) * 1000:10.1f} ms, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
