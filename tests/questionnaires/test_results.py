"""Results of a questionnaire: every figure worked out by hand from a small survey.

helpers.SURVEY lists six people and what they sent; a seventh (F) only saved a draft, which
is never counted. Percentages are of the people who answered that question, to one decimal;
a scale has its mean (two decimals), median and distribution; a ranking of n options gives
n-1 Borda points for a first place, one less for each place below. Responses are broken down
by age band and by comune, with the comune's responses per 1,000 inhabitants (ISTAT 2021).

Staff see the results live; everybody else once the questionnaire has closed.
"""
import pytest
from flask_babel import lazy_gettext as _l

from engage.auth.models import AgeBand, Role
from engage.consultations.phases import Phase
from engage.extensions import db
from engage.questionnaires import aggregation
from engage.questionnaires.models import QuestionKind
from engage.territory.models import Comune
from sqlalchemy import select
from tests.factories import make_user, set_phase
from tests.questionnaires.helpers import (Page, answer_directly, build_survey, citizen, form_data,
                                          make_questionnaire, officer, option_id, person, question)

K = QuestionKind
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def survey(db):
    q, people = build_survey()
    return q, people


def figures(result) -> list[tuple]:
    """(label, count, percent) per option, "other" last; rankings add (points, mean rank)."""
    rows = []
    for figure in result.options:
        label = figure.option.label_it if figure.option else "other"
        row = (label, figure.count, figure.percent)
        rows.append(row + (figure.points, figure.mean_rank) if figure.points is not None else row)
    return rows


def by_question(results) -> dict:
    return {r.question.kind: r for r in results.questions}


def groups(result) -> list[tuple]:
    """Breakdown rows as (label, people, {option label or scale value: count})."""
    labels = {str(o.id): o.label_it for o in result.question.options} | {"other": "other"}
    return [(str(row.label), row.respondents, {labels.get(k, k): v for k, v in row.counts.items()})
            for row in result.groups]


# --- The figures ------------------------------------------------------------------------------------

def test_counts_and_percentages_per_option(survey):
    q, _people = survey
    results = aggregation.results(q)
    assert (results.responses, results.drafts) == (6, 1)
    single, multiple = by_question(results)[K.SINGLE], by_question(results)[K.MULTIPLE]

    # Six answered the single choice: 2/6 = 33.3 %, 1/6 = 16.7 %.
    assert single.respondents == 6
    assert figures(single) == [("A piedi", 2, 33.3), ("In bicicletta", 2, 33.3), ("In auto", 1, 16.7),
                               ("other", 1, 16.7)]
    # Four answered the multiple choice (D and G skipped it): shares of 4 people, summing past 100.
    assert multiple.respondents == 4
    assert figures(multiple) == [("Biblioteca", 3, 75.0), ("Piscina", 2, 50.0), ("Teatro", 2, 50.0),
                                 ("Museo", 1, 25.0), ("other", 1, 25.0)]


def test_a_scale_has_its_mean_median_and_distribution(survey):
    q, _people = survey
    scale = by_question(aggregation.results(q))[K.SCALE]
    # 5, 4, 4, 2, 1, 3: sorted 1 2 3 4 4 5, median (3 + 4) / 2; mean 19 / 6.
    assert scale.respondents == 6
    assert (scale.scale.mean, scale.scale.median) == (3.17, 3.5)
    assert scale.scale.distribution == [(1, 1, 16.7), (2, 1, 16.7), (3, 1, 16.7), (4, 2, 33.3), (5, 1, 16.7)]


def test_the_median_of_an_odd_and_of_an_even_number_of_answers(db):
    q = make_questionnaire(questions=[(K.SCALE, "Voto", {"required": True})])
    for value in (1, 4, 5):
        answer_directly(citizen(), q, {question(q, K.SCALE).field_name: str(value)})
    three = aggregation.results(q).questions[0].scale
    assert (three.mean, three.median) == (3.33, 4.0)  # 10 / 3; the middle of 1 4 5

    answer_directly(citizen(), q, {question(q, K.SCALE).field_name: "5"})
    four = aggregation.results(q).questions[0].scale
    assert (four.mean, four.median) == (3.75, 4.5)  # 15 / 4; (4 + 5) / 2
    assert four.distribution == [(1, 1, 25.0), (2, 0, 0.0), (3, 0, 0.0), (4, 1, 25.0), (5, 2, 50.0)]


def test_a_scale_nobody_answered_has_no_mean_or_median(db):
    q = make_questionnaire(questions=[(K.SCALE, "Voto", {}), (K.SHORT_TEXT, "Perché", {})])
    answer_directly(citizen(), q, {question(q, K.SHORT_TEXT).field_name: "Non saprei"})
    scale = aggregation.results(q).questions[0]
    assert (scale.respondents, scale.scale.mean, scale.scale.median) == (0, None, None)
    assert scale.scale.distribution == [(v, 0, 0.0) for v in range(1, 6)]


def test_a_ranking_is_ordered_by_borda_points(survey):
    q, _people = survey
    ranking = by_question(aggregation.results(q))[K.RANKING]
    # Three options: 2 points for a first place, 1 for a second, 0 for a third.
    # Verde 1,2,1,3 -> 2+1+2+0 = 5; Scuole 2,1,3,2 -> 1+2+0+1 = 4; Strade 3,3,2,1 -> 0+0+1+2 = 3.
    # Percent: share of the four who put it first.
    assert ranking.respondents == 4
    assert figures(ranking) == [("Verde", 4, 50.0, 5, 1.75), ("Scuole", 4, 25.0, 4, 2.0),
                                ("Strade", 4, 25.0, 3, 2.25)]


def test_free_text_is_listed_newest_first_with_the_other_answers(survey):
    q, _people = survey
    results = by_question(aggregation.results(q))
    texts = {kind: ([text for _id, text in r.texts], r.text_count, r.respondents) for kind, r in results.items()}
    assert texts[K.SHORT_TEXT] == (["Centro", "Ombriano", "Cristo Re"], 3, 3)
    assert texts[K.LONG_TEXT] == (["Treni più frequenti", "Più piste ciclabili"], 2, 2)
    assert texts[K.SINGLE][:2] == (["Monopattino"], 1)
    assert texts[K.MULTIPLE][:2] == (["Cinema"], 1)
    # The draft's text is nowhere.
    assert all("Bozza mai inviata" not in t for r in results.values() for _i, t in r.texts)


def test_only_the_five_newest_texts_are_on_the_page_but_all_are_counted(db):
    q = make_questionnaire(questions=[(K.SHORT_TEXT, "Quartiere", {})])
    for n in range(1, 8):
        answer_directly(citizen(), q, {question(q, K.SHORT_TEXT).field_name: f"Quartiere {n}"})
    result = aggregation.results(q).questions[0]
    assert [text for _id, text in result.texts] == [f"Quartiere {n}" for n in (7, 6, 5, 4, 3)]
    assert result.text_count == 7


def test_who_answered_by_age_band_and_by_comune(survey):
    q, _people = survey
    results = aggregation.results(q)
    assert results.by_age == [(AgeBand.FROM_18_TO_29, 2, 33.3), (AgeBand.FROM_30_TO_44, 2, 33.3),
                              (AgeBand.OVER_65, 1, 16.7), (None, 1, 16.7)]
    # Per 1,000 inhabitants: Cremona 2000/71523, Casalmaggiore 1000/15127, Castelvisconti 1000/282,
    # Crema 1000/34242. Most responses first, then by name; "not given" last.
    assert [(f.comune.name if f.comune else None, f.respondents, f.per_thousand) for f in results.by_comune] == [
        ("Cremona", 2, 0.03), ("Casalmaggiore", 1, 0.07), ("Castelvisconti", 1, 3.55), ("Crema", 1, 0.03),
        (None, 1, None)]
    populations = {c.name: c.population for c in db.session.scalars(select(Comune).where(
        Comune.name.in_(["Cremona", "Casalmaggiore", "Castelvisconti", "Crema"])))}
    assert populations == {"Cremona": 71523, "Casalmaggiore": 15127, "Castelvisconti": 282, "Crema": 34242}


def test_answers_broken_down_by_age_band(survey):
    q, _people = survey
    results = by_question(aggregation.results(q, breakdown="eta"))
    young, middle, old, unknown = (str(AgeBand.FROM_18_TO_29.label), str(AgeBand.FROM_30_TO_44.label),
                                   str(AgeBand.OVER_65.label), str(_l("Not given")))
    assert groups(results[K.SINGLE]) == [(young, 2, {"A piedi": 2}), (middle, 2, {"In bicicletta": 2}),
                                         (old, 1, {"In auto": 1}), (unknown, 1, {"other": 1})]
    assert groups(results[K.MULTIPLE]) == [
        (young, 1, {"Biblioteca": 1, "Piscina": 1}),
        (middle, 2, {"Biblioteca": 1, "Piscina": 1, "Teatro": 2, "other": 1}),
        (old, 1, {"Biblioteca": 1, "Museo": 1})]
    assert groups(results[K.SCALE]) == [(young, 2, {"5": 1, "3": 1}), (middle, 2, {"4": 2}), (old, 1, {"1": 1}),
                                        (unknown, 1, {"2": 1})]
    for kind in (K.RANKING, K.SHORT_TEXT, K.LONG_TEXT):
        assert results[kind].groups == []


def test_answers_broken_down_by_comune(survey):
    q, _people = survey
    results = by_question(aggregation.results(q, breakdown="comune"))
    unknown = str(_l("Not given"))
    assert groups(results[K.SINGLE]) == [
        ("Casalmaggiore", 1, {"other": 1}), ("Castelvisconti", 1, {"In auto": 1}), ("Crema", 1, {"In bicicletta": 1}),
        ("Cremona", 2, {"A piedi": 1, "In bicicletta": 1}), (unknown, 1, {"A piedi": 1})]
    assert groups(results[K.MULTIPLE]) == [
        ("Castelvisconti", 1, {"Biblioteca": 1, "Museo": 1}), ("Crema", 1, {"Piscina": 1, "Teatro": 1}),
        ("Cremona", 2, {"Biblioteca": 2, "Piscina": 1, "Teatro": 1, "other": 1})]
    assert groups(results[K.SCALE]) == [
        ("Casalmaggiore", 1, {"2": 1}), ("Castelvisconti", 1, {"1": 1}), ("Crema", 1, {"4": 1}),
        ("Cremona", 2, {"5": 1, "4": 1}), (unknown, 1, {"3": 1})]


def test_an_unknown_breakdown_is_ignored(survey):
    q, _people = survey
    results = aggregation.results(q, breakdown="reddito")
    assert results.breakdown is None and all(r.groups == [] for r in results.questions)


def test_changed_answers_count_once_with_their_latest_values(db):
    q, people = build_survey()
    answer_directly(people["A"], q, form_data(q, single="In auto", multiple=("Museo", "Teatro"), scale=1))
    results = by_question(aggregation.results(q))
    assert results[K.SINGLE].respondents == 6
    assert figures(results[K.SINGLE]) == [("A piedi", 1, 16.7), ("In bicicletta", 2, 33.3), ("In auto", 2, 33.3),
                                          ("other", 1, 16.7)]
    assert figures(results[K.MULTIPLE]) == [("Biblioteca", 2, 50.0), ("Piscina", 1, 25.0), ("Teatro", 3, 75.0),
                                            ("Museo", 2, 50.0), ("other", 1, 25.0)]
    # A no longer ranks: Scuole 1,3,2 -> 2+0+1 = 3; Verde 2,1,3 -> 1+2+0 = 3; Strade 3,2,1 -> 0+1+2 = 3.
    # All tied: the options' own order decides.
    assert figures(results[K.RANKING]) == [("Scuole", 3, 33.3, 3, 2.0), ("Strade", 3, 33.3, 3, 2.0),
                                           ("Verde", 3, 33.3, 3, 2.0)]


# --- The page -----------------------------------------------------------------------------------------

def rows(table) -> list[list[str]]:
    return table.rows[1:]  # without the header


def test_the_results_page_shows_the_same_figures(db, client_as, survey):
    q, _people = survey
    html = client_as(officer()).get(f"/questionari/{q.id}/risultati")
    assert html.status_code == 200
    page = Page.of(html)
    text = html.get_data(as_text=True)
    assert "6 responses." in text and "1 draft not sent yet (not counted)." in text

    single, multiple, scale, ranking = (question(q, k) for k in (K.SINGLE, K.MULTIPLE, K.SCALE, K.RANKING))
    (table,) = page.tables_of(single)
    assert rows(table) == [["On foot", "2", "33.3", ""], ["By bike", "2", "33.3", ""], ["By car", "1", "16.7", ""],
                           ["Other", "1", "16.7", ""]]
    (table,) = page.tables_of(multiple)
    assert rows(table) == [["Biblioteca", "3", "75", ""], ["Piscina", "2", "50", ""], ["Teatro", "2", "50", ""],
                           ["Museo", "1", "25", ""], ["Other", "1", "25", ""]]
    (table,) = page.tables_of(scale)
    assert rows(table) == [["1", "1", "16.7", ""], ["2", "1", "16.7", ""], ["3", "1", "16.7", ""],
                           ["4", "2", "33.3", ""], ["5", "1", "16.7", ""]]
    assert "Mean 3.17, median 3.5." in text
    (table,) = page.tables_of(ranking)
    assert rows(table) == [["1", "Verde", "5", "1.75", "50"], ["2", "Scuole", "4", "2", "25"],
                           ["3", "Strade", "3", "2.25", "25"]]
    for kind, count in ((K.SINGLE, 6), (K.MULTIPLE, 4), (K.SCALE, 6), (K.RANKING, 4), (K.SHORT_TEXT, 3),
                        (K.LONG_TEXT, 2)):
        assert f"· {count} answered" in section_text(text, question(q, kind)), kind

    # Free text: newest first, under their question.
    assert texts_on_page(page, question(q, K.SHORT_TEXT)) == ["Centro", "Ombriano", "Cristo Re"]
    assert texts_on_page(page, question(q, K.LONG_TEXT)) == ["Treni più frequenti", "Più piste ciclabili"]
    assert texts_on_page(page, single) == ["Monopattino"]
    assert "Bozza mai inviata" not in text

    who = {t.caption: rows(t) for t in page.tables if t.section == "who-answered"}
    assert who == {
        "By age band": [["18 to 29", "2", "33.3"], ["30 to 44", "2", "33.3"], ["65 and over", "1", "16.7"],
                        ["Not given", "1", "16.7"]],
        "By municipality": [["Cremona", "2", "0.03"], ["Casalmaggiore", "1", "0.07"],
                            ["Castelvisconti", "1", "3.55"], ["Crema", "1", "0.03"],
                            ["Not given or outside the province", "1", "–"]],
    }


def section_text(html: str, question_) -> str:
    start = html.index(f'aria-labelledby="result-{question_.id}"')
    return html[start:html.index("</section>", start)]


def texts_on_page(page: Page, question_) -> list[str]:
    return [page.text(i).removesuffix(" Report") for i in page.ids
            if i.startswith("risposta-") and page.section_of[i] == f"result-{question_.id}"]


@pytest.mark.parametrize("per", ["eta", "comune"])
def test_the_page_shows_the_breakdown_tables(db, client_as, survey, per):
    q, _people = survey
    page = Page.of(client_as(officer()).get(f"/questionari/{q.id}/risultati?per={per}"))
    single, scale = question(q, K.SINGLE), question(q, K.SCALE)
    caption = "By age band" if per == "eta" else "By municipality"
    (breakdown,) = [t for t in page.tables_of(single) if t.caption == caption]
    assert breakdown.rows[0] == ["Group", "People", "On foot", "By bike", "By car", "Other"]
    (scale_breakdown,) = [t for t in page.tables_of(scale) if t.caption == caption]
    assert scale_breakdown.rows[0] == ["Group", "People", "1", "2", "3", "4", "5"]
    if per == "eta":
        assert rows(breakdown) == [["18 to 29", "2", "2", "0", "0", "0"], ["30 to 44", "2", "0", "2", "0", "0"],
                                   ["65 and over", "1", "0", "0", "1", "0"], ["Not given", "1", "0", "0", "0", "1"]]
        assert rows(scale_breakdown) == [["18 to 29", "2", "0", "0", "1", "0", "1"],
                                         ["30 to 44", "2", "0", "0", "0", "2", "0"],
                                         ["65 and over", "1", "1", "0", "0", "0", "0"],
                                         ["Not given", "1", "0", "1", "0", "0", "0"]]
    else:
        assert rows(breakdown) == [["Casalmaggiore", "1", "0", "0", "0", "1"],
                                   ["Castelvisconti", "1", "0", "0", "1", "0"],
                                   ["Crema", "1", "0", "1", "0", "0"], ["Cremona", "2", "1", "1", "0", "0"],
                                   ["Not given", "1", "1", "0", "0", "0"]]
        assert rows(scale_breakdown) == [["Casalmaggiore", "1", "0", "1", "0", "0", "0"],
                                         ["Castelvisconti", "1", "1", "0", "0", "0", "0"],
                                         ["Crema", "1", "0", "0", "0", "1", "0"],
                                         ["Cremona", "2", "0", "0", "0", "1", "1"],
                                         ["Not given", "1", "0", "0", "1", "0", "0"]]
    assert page.selected["per"] == per


def test_the_texts_page_lists_every_visible_text_newest_first(db, client_as, survey):
    q, _people = survey
    browser = client_as(officer())
    short = question(q, K.SHORT_TEXT)
    response = browser.get(f"/questionari/{q.id}/risultati/{short.id}/testi")
    assert response.status_code == 200
    page = Page.of(response)
    assert [page.text(i).removesuffix(" Report") for i in page.ids if i.startswith("risposta-")] == \
        ["Centro", "Ombriano", "Cristo Re"]
    assert "3 answers, newest first." in response.get_data(as_text=True)


# --- Who sees the results ------------------------------------------------------------------------------

def test_results_are_for_staff_while_open_and_for_everybody_once_closed(db, client_as, client, survey):
    q, people = survey
    short = question(q, K.SHORT_TEXT)
    pages = (f"/questionari/{q.id}/risultati", f"/questionari/{q.id}/risultati?per=comune",
             f"/questionari/{q.id}/risultati/{short.id}/testi")
    for url in pages:
        assert client_as(officer()).get(url).status_code == 200, url
        assert client_as(make_user(Role.ADMIN, locale="en")).get(url).status_code == 200, url
        assert client_as(people["A"]).get(url).status_code == 403, url
        assert client_as(officer("cgil")).get(url).status_code == 403, url
        visitor = client.get(url)
        assert visitor.status_code == 302 and "/accedi" in visitor.headers["Location"], url
    # The questionnaire page links to the results only for staff while open.
    assert "See the results" not in client_as(people["A"]).get(f"/questionari/{q.id}").get_data(as_text=True)

    set_phase(q.consultation, Phase.VOTING)
    db.session.commit()

    for url in pages:
        assert client_as(people["A"]).get(url).status_code == 200, url
        assert client_as(officer("cgil")).get(url).status_code == 200, url
        assert client.get(url, headers=ENGLISH).status_code == 200, url
    public = client.get(pages[0], headers=ENGLISH).get_data(as_text=True)
    assert "6 responses." in public
    assert "drafts not sent yet" not in public and "risposte.csv" not in public
    assert "See the results" in client_as(people["A"]).get(f"/questionari/{q.id}").get_data(as_text=True)


# --- A fixed number of queries ---------------------------------------------------------------------------

def _survey_of(size: int):
    """`size` people from a dozen comuni and every age band, answering everything."""
    q = make_questionnaire()
    comuni = list(db.session.scalars(select(Comune.name).order_by(Comune.id).limit(12)))
    bands = [band.value for band in AgeBand] + [None]
    singles, multiples = ("A piedi", "In bicicletta", "In auto", "other"), ("Biblioteca", "Piscina", "Teatro", "Museo")
    rankings = (("Verde", "Scuole", "Strade"), ("Scuole", "Strade", "Verde"), ("Strade", "Verde", "Scuole"))
    for n in range(size):
        single = singles[n % 4]
        answers = dict(single=single, single_other="Monopattino" if single == "other" else None,
                       multiple=(multiples[n % 4], multiples[(n + 1) % 4]), scale=n % 5 + 1,
                       ranking=rankings[n % 3], short=f"Quartiere {n}", long=f"Suggerimento {n}")
        answer_directly(person(comuni[n % 12] if n % 7 else None, bands[n % 6]), q, form_data(q, **answers))
    answer_directly(person("Cremona", None), q, form_data(q, single="A piedi"), submit=False)
    db.session.commit()
    return q


@pytest.mark.parametrize("per", ["", "eta", "comune"])
def test_the_results_page_makes_as_many_queries_for_60_responses_as_for_3(db, client_as, count_queries, per):
    small, large = _survey_of(3), _survey_of(60)
    browser = client_as(officer())
    counted = {}
    for name, q in (("small", small), ("large", large)):
        url = f"/questionari/{q.id}/risultati?per={per}"
        assert browser.get(url).status_code == 200  # warm up
        db.session.commit()
        with count_queries() as queries:
            assert browser.get(url).status_code == 200
        counted[name] = len(queries)
    assert aggregation.results(large).responses == 60
    assert counted["small"] == counted["large"], counted


def test_free_text_is_shown_as_text_never_as_markup(db, client_as):
    q = make_questionnaire()
    answer_directly(citizen(), q, form_data(q, single="other", single_other="<b>bici</b>", scale=3,
                                            short='<script>alert("x")</script>', long="<img src=x onerror=alert(1)>"))
    db.session.commit()
    browser = client_as(officer())
    for url in (f"/questionari/{q.id}/risultati",
                f"/questionari/{q.id}/risultati/{question(q, K.SHORT_TEXT).id}/testi",
                f"/questionari/{q.id}/risultati/{question(q, K.LONG_TEXT).id}/testi"):
        html = browser.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bici</b>" not in html, url
    html = browser.get(f"/questionari/{q.id}/risultati").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;b&gt;bici&lt;/b&gt;" in html


def test_a_question_of_another_questionnaire_is_not_found_here(db, client_as):
    first, second = make_questionnaire(), make_questionnaire()
    browser = client_as(make_user(Role.ADMIN))
    other = question(second, K.SHORT_TEXT)
    assert browser.get(f"/questionari/{first.id}/risultati/{other.id}/testi").status_code == 404
    assert browser.get(f"/questionari/{first.id}/domande/{other.id}/modifica").status_code == 404
    assert browser.get("/questionari/999999/risultati").status_code == 404


# --- Rounding as people do it by hand: halves go up ---------------------------------------------------

def test_a_share_exactly_on_a_half_rounds_up(db):
    q = make_questionnaire(questions=[(K.SINGLE, "Sì o no?", {"options": [("Sì", None), ("No", None)]})])
    single = question(q, K.SINGLE)
    for n in range(16):
        answer_directly(citizen(), q, {single.field_name: option_id(single, "Sì" if n < 5 else "No")})
    (result,) = aggregation.results(q).questions
    assert figures(result) == [("Sì", 5, 31.3), ("No", 11, 68.8)]  # 31.25 and 68.75


def test_a_mean_exactly_on_a_half_rounds_up(db):
    q = make_questionnaire(questions=[(K.SCALE, "Voto", {})])
    scale = question(q, K.SCALE)
    for value in (1, 1, 2, 2, 2, 3, 3, 3):
        answer_directly(citizen(), q, {scale.field_name: str(value)})
    (result,) = aggregation.results(q).questions
    assert (result.scale.mean, result.scale.median) == (2.13, 2.0)
