"""Exports of a questionnaire's answers, for the institution's staff: CSV and JSON, one row per
sent response, one column per question.

Counting the rows of either export gives back every figure of aggregation.results and of the
results page: that is what makes the published figures checkable. Free text that starts like a
spreadsheet formula is defused in the CSV.
"""
import csv
import io
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest

from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.core.db import day_in_cremona
from engage.questionnaires import aggregation
from engage.questionnaires.models import QuestionKind
from tests.factories import make_user, set_phase
from tests.questionnaires.helpers import (Page, answer_directly, build_survey, citizen, form_data,
                                          make_questionnaire, officer, question, responses_to)
from tests.questionnaires.test_results import by_question, figures, rows

K = QuestionKind
# English labels where the option has one (the staff read in English), else the Italian.
ENGLISH = {"On foot": "A piedi", "By bike": "In bicicletta", "By car": "In auto"}


@pytest.fixture
def survey(db):
    return build_survey()


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def read_json(response) -> dict:
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def unordered(cell: str):
    return set(cell.split("; ")) if cell else set()


# --- What the files hold -----------------------------------------------------------------------------

def test_the_csv_has_one_row_per_sent_response_and_one_column_per_question(db, client_as, survey):
    q, _people = survey
    browser = client_as(officer())
    response = browser.get(f"/questionari/{q.id}/risposte.csv")
    assert response.headers["Content-Disposition"] == f"attachment; filename=questionario-{q.id}.csv"
    table = read_csv(response)
    day = day_in_cremona(responses_to(q)[0].submitted_at).isoformat()

    assert table[0] == ["response", "submitted on", "comune", "age band", "1. Come ti sposti di solito?",
                        "2. Quali servizi usi?", "3. Quanto sei soddisfatto dei trasporti?", "4. Ordina le priorità",
                        "5. Il tuo quartiere", "6. Un suggerimento"]
    # The draft (F) is not there; the multiple choice is compared as a set (see the next test).
    body = [row[:5] + [unordered(row[5])] + row[6:] for row in table[1:]]
    assert body == [
        ["1", day, "Cremona", "18_29", "On foot", {"Biblioteca", "Piscina"}, "5", "Verde > Scuole > Strade",
         "Cristo Re", ""],
        ["2", day, "Cremona", "30_44", "By bike", {"Biblioteca", "Teatro", "Other: Cinema"}, "4",
         "Scuole > Verde > Strade", "", "Più piste ciclabili"],
        ["3", day, "Crema", "30_44", "By bike", {"Piscina", "Teatro"}, "4", "Verde > Strade > Scuole", "Ombriano", ""],
        ["4", day, "Casalmaggiore", "", "Other: Monopattino", set(), "2", "", "", "Treni più frequenti"],
        ["5", day, "Castelvisconti", "65_plus", "By car", {"Biblioteca", "Museo"}, "1", "Strade > Scuole > Verde",
         "Centro", ""],
        ["6", day, "", "18_29", "On foot", set(), "3", "", "", ""],
    ]


def test_several_choices_come_in_the_order_of_the_form_with_other_last(db, client_as, survey):
    """SQLite sorts NULL first and PostgreSQL last: "other" (no option) must come last on both."""
    q, _people = survey
    table = read_csv(client_as(officer()).get(f"/questionari/{q.id}/risposte.csv"))
    assert table[2][5] == "Biblioteca; Teatro; Other: Cinema"


def test_the_json_holds_the_questions_and_the_same_answers(db, client_as, survey):
    q, _people = survey
    response = client_as(officer()).get(f"/questionari/{q.id}/risposte.json")
    assert response.headers["Content-Disposition"] == f"attachment; filename=questionario-{q.id}.json"
    data = read_json(response)
    single, multiple, scale, ranking, short, long_ = (question(q, k) for k in (
        K.SINGLE, K.MULTIPLE, K.SCALE, K.RANKING, K.SHORT_TEXT, K.LONG_TEXT))

    assert data["questionnaire"] == {"id": q.id, "title": "Questionario di prova", "anonymous": False,
                                     "consultation_id": q.consultation_id}
    assert [(x["id"], x["number"], x["kind"], x["text"], x["required"], [o["label"] for o in x["options"]])
            for x in data["questions"]] == [
        (single.id, 1, "single", "Come ti sposti di solito?", True, ["On foot", "By bike", "By car"]),
        (multiple.id, 2, "multiple", "Quali servizi usi?", False, ["Biblioteca", "Piscina", "Teatro", "Museo"]),
        (scale.id, 3, "scale", "Quanto sei soddisfatto dei trasporti?", True, []),
        (ranking.id, 4, "ranking", "Ordina le priorità", False, ["Scuole", "Strade", "Verde"]),
        (short.id, 5, "short_text", "Il tuo quartiere", False, []),
        (long_.id, 6, "long_text", "Un suggerimento", False, []),
    ]
    s, m, v, r, t, lt = (str(x.id) for x in (single, multiple, scale, ranking, short, long_))
    day = day_in_cremona(responses_to(q)[0].submitted_at).isoformat()
    answers = [{k: (set(v_) if k == m else v_) for k, v_ in row["answers"].items()} for row in data["responses"]]
    assert [(row["response"], row["submitted_on"], row["comune"], row["age_band"]) for row in data["responses"]] == [
        (1, day, "Cremona", "18_29"), (2, day, "Cremona", "30_44"), (3, day, "Crema", "30_44"),
        (4, day, "Casalmaggiore", None), (5, day, "Castelvisconti", "65_plus"), (6, day, None, "18_29")]
    assert answers == [
        {s: "On foot", m: {"Biblioteca", "Piscina"}, v: 5, r: ["Verde", "Scuole", "Strade"], t: "Cristo Re"},
        {s: "By bike", m: {"Biblioteca", "Teatro", "Other: Cinema"}, v: 4, r: ["Scuole", "Verde", "Strade"],
         lt: "Più piste ciclabili"},
        {s: "By bike", m: {"Piscina", "Teatro"}, v: 4, r: ["Verde", "Strade", "Scuole"], t: "Ombriano"},
        {s: "Other: Monopattino", v: 2, lt: "Treni più frequenti"},
        {s: "By car", m: {"Biblioteca", "Museo"}, v: 1, r: ["Strade", "Scuole", "Verde"], t: "Centro"},
        {s: "On foot", v: 3},
    ]


# --- Counting the exports gives back the figures -------------------------------------------------------

def _label(cell: str) -> str:
    return "other" if cell.startswith("Other: ") or cell == "Other" else ENGLISH.get(cell, cell)


def _recount(columns: dict[int, list]) -> dict:
    """From each question's cells (None or "" for no answer), every figure the results give."""
    out = {}
    for kind, cells in columns.items():
        given = [c for c in cells if c not in (None, "", [])]
        if kind in (K.SINGLE, K.MULTIPLE):
            chosen = Counter(_label(item) for cell in given for item in (cell if isinstance(cell, list) else [cell]))
            out[kind] = (len(given), dict(chosen))
        elif kind is K.SCALE:
            out[kind] = (len(given), dict(Counter(int(c) for c in given)))
        elif kind is K.RANKING:
            firsts = Counter(order[0] for order in given)
            points = defaultdict(int)
            places = defaultdict(int)
            for order in given:
                for place, label in enumerate(order, start=1):
                    points[label] += len(order) - place
                    places[label] += place
            means = {label: round(total / len(given), 2) for label, total in places.items()}
            out[kind] = (len(given), dict(firsts), dict(points), means)
        else:
            out[kind] = (len(given), None)
    return out


def _from_results(results) -> dict:
    out = {}
    for result in results.questions:
        kind = result.question.kind
        if kind in (K.SINGLE, K.MULTIPLE):
            out[kind] = (result.respondents, {label: count for label, count, _pc in figures(result) if count})
        elif kind is K.SCALE:
            out[kind] = (result.respondents, {value: count for value, count, _pc in result.scale.distribution if count})
        elif kind is K.RANKING:
            firsts = {label: round(pc * count / 100) for label, count, pc, _pts, _mr in figures(result)}
            out[kind] = (result.respondents, {k: v for k, v in firsts.items() if v},
                         {label: pts for label, _c, _pc, pts, _mr in figures(result)},
                         {label: mr for label, _c, _pc, _pts, mr in figures(result)})
        else:
            out[kind] = (result.respondents, None)
    return out


def test_counting_the_csv_and_the_json_gives_the_figures_of_the_results(db, client_as, survey):
    q, _people = survey
    browser = client_as(officer())
    table = read_csv(browser.get(f"/questionari/{q.id}/risposte.csv"))
    data = read_json(browser.get(f"/questionari/{q.id}/risposte.json"))
    kinds = [x.kind for x in q.answerable_questions]

    from_csv = _recount({kind: [
        (cell.split("; ") if kind is K.MULTIPLE else cell.split(" > ") if kind is K.RANKING else cell)
        if cell else None for cell in (row[4 + i] for row in table[1:])] for i, kind in enumerate(kinds)})
    from_json = _recount({x.kind: [row["answers"].get(str(x.id)) for row in data["responses"]]
                          for x in q.answerable_questions})
    expected = _from_results(aggregation.results(q))

    assert from_csv == from_json == expected
    # And by hand, so the three cannot agree on something wrong.
    assert expected[K.SINGLE] == (6, {"A piedi": 2, "In bicicletta": 2, "In auto": 1, "other": 1})
    assert expected[K.MULTIPLE] == (4, {"Biblioteca": 3, "Piscina": 2, "Teatro": 2, "Museo": 1, "other": 1})
    assert expected[K.SCALE] == (6, {1: 1, 2: 1, 3: 1, 4: 2, 5: 1})
    assert expected[K.RANKING] == (4, {"Verde": 2, "Scuole": 1, "Strade": 1}, {"Verde": 5, "Scuole": 4, "Strade": 3},
                                   {"Verde": 1.75, "Scuole": 2.0, "Strade": 2.25})
    assert (expected[K.SHORT_TEXT], expected[K.LONG_TEXT]) == ((3, None), (2, None))
    assert len(table) - 1 == len(data["responses"]) == aggregation.results(q).responses == 6


def _fmt(number) -> str:
    return f"{number:g}"


def test_the_numbers_on_the_results_page_are_those_counted_from_the_csv(db, client_as, survey):
    q, _people = survey
    browser = client_as(officer())
    table = read_csv(browser.get(f"/questionari/{q.id}/risposte.csv"))
    page = Page.of(browser.get(f"/questionari/{q.id}/risultati"))
    labels = {"A piedi": "On foot", "In bicicletta": "By bike", "In auto": "By car", "other": "Other"}

    for i, item in enumerate(q.answerable_questions):
        cells = [row[4 + i] for row in table[1:] if row[4 + i]]
        if item.kind in (K.SINGLE, K.MULTIPLE):
            counts = Counter(_label(c) for cell in cells for c in cell.split("; "))
            keys = [o.label_it for o in item.options] + ["other"]
            expected = [[labels.get(k, k), str(counts[k]), _fmt(round(100 * counts[k] / len(cells), 1)), ""]
                        for k in keys]
        elif item.kind is K.SCALE:
            counts = Counter(int(c) for c in cells)
            expected = [[str(v), str(counts[v]), _fmt(round(100 * counts[v] / len(cells), 1)), ""] for v in range(1, 6)]
        elif item.kind is K.RANKING:
            orders = [cell.split(" > ") for cell in cells]
            points = {o.label_it: sum(3 - order.index(o.label_it) - 1 for order in orders) for o in item.options}
            means = {k: round(sum(order.index(k) + 1 for order in orders) / len(orders), 2) for k in points}
            firsts = {k: sum(order[0] == k for order in orders) for k in points}
            ranked = sorted(points, key=lambda k: -points[k])
            expected = [[str(n), k, str(points[k]), _fmt(means[k]), _fmt(round(100 * firsts[k] / len(orders), 1))]
                        for n, k in enumerate(ranked, start=1)]
        else:
            continue
        (shown,) = page.tables_of(item)
        assert rows(shown) == expected, item.kind


# --- Formula injection ------------------------------------------------------------------------------------

def test_text_that_looks_like_a_formula_is_defused_in_the_csv(db, client_as):
    q = make_questionnaire()
    formulas = ['=HYPERLINK("http://example.com/x","Clicca")', "+39 0372 1234", "-2+3", "@SUM(A1:A9)"]
    for text in formulas:
        answer_directly(citizen(), q, form_data(q, single="In auto", scale=3, short=text, long=text))
    db.session.commit()
    table = read_csv(client_as(officer()).get(f"/questionari/{q.id}/risposte.csv"))
    assert [(row[8], row[9]) for row in table[1:]] == [("'" + t, "'" + t) for t in formulas]
    # The JSON is data, not a spreadsheet: the words are exactly as written.
    data = read_json(client_as(officer()).get(f"/questionari/{q.id}/risposte.json"))
    short = str(question(q, K.SHORT_TEXT).id)
    assert [row["answers"][short] for row in data["responses"]] == formulas


def test_a_response_sent_after_midnight_in_cremona_is_dated_that_day(db, client_as):
    """Sent at 23:30 UTC on 7 December: half past midnight on the 8th in Cremona."""
    q = make_questionnaire()
    response = answer_directly(citizen(), q, form_data(q, single="In auto", scale=3, short="x", long="y"))
    response.submitted_at = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    db.session.commit()
    data = read_json(client_as(officer()).get(f"/questionari/{q.id}/risposte.json"))
    assert [row["submitted_on"] for row in data["responses"]] == ["2026-12-08"]
    table = read_csv(client_as(officer()).get(f"/questionari/{q.id}/risposte.csv"))
    assert [row[1] for row in table[1:]] == ["2026-12-08"]


# --- Who may download ------------------------------------------------------------------------------------

@pytest.mark.parametrize("phase", [Phase.PROPOSALS, Phase.RESULTS], ids=["open", "closed"])
def test_only_staff_download_the_answers(db, client_as, client, survey, phase):
    """Even once the results are public, the rows (with comune and age band) are not."""
    q, people = survey
    if phase is not Phase.PROPOSALS:
        set_phase(q.consultation, phase)
        db.session.commit()
    for fmt in ("csv", "json"):
        url = f"/questionari/{q.id}/risposte.{fmt}"
        assert client_as(officer()).get(url).status_code == 200
        assert client_as(make_user(Role.ADMIN)).get(url).status_code == 200
        for someone in (people["A"], officer("cgil"), make_user(Role.MODERATOR)):
            assert client_as(someone).get(url).status_code == 403, (someone, url)
        visitor = client.get(url)
        assert visitor.status_code == 302 and "/accedi" in visitor.headers["Location"]


def test_an_anonymous_questionnaire_exports_no_trace_of_who_answered(db, client_as):
    q, people = build_survey(anonymous=True)
    browser = client_as(officer())
    text = browser.get(f"/questionari/{q.id}/risposte.csv").get_data(as_text=True) + \
        browser.get(f"/questionari/{q.id}/risposte.json").get_data(as_text=True)
    for user in people.values():
        assert user.email not in text and user.display_name not in text
    data = read_json(browser.get(f"/questionari/{q.id}/risposte.json"))
    assert data["questionnaire"]["anonymous"] is True
    assert set(data["responses"][0]) == {"response", "submitted_on", "comune", "age_band", "answers"}
    results = by_question(aggregation.results(q))
    assert figures(results[K.SINGLE]) == [("A piedi", 2, 33.3), ("In bicicletta", 2, 33.3), ("In auto", 1, 16.7),
                                          ("other", 1, 16.7)]


def test_before_anybody_answers_the_exports_hold_the_header_and_no_rows(db, client_as):
    q = make_questionnaire()
    answer_directly(citizen(), q, form_data(q, single="A piedi"), submit=False)  # a draft is not a row
    db.session.commit()
    browser = client_as(officer())
    table = read_csv(browser.get(f"/questionari/{q.id}/risposte.csv"))
    assert len(table) == 1 and len(table[0]) == 4 + 6
    data = read_json(browser.get(f"/questionari/{q.id}/risposte.json"))
    assert data["responses"] == [] and len(data["questions"]) == 6
