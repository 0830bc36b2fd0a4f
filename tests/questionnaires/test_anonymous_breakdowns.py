"""Anonymous questionnaires keep their promise in the figures too: no breakdown row about a
handful of people, and no comune or age band on the staff's per-response export."""
from flask_babel import force_locale

from engage.consultations.phases import Phase
from engage.questionnaires import aggregation, services
from engage.questionnaires.models import QuestionKind
from engage.questionnaires.services import Given
from tests.factories import make_consultation, make_user
from tests.security.questionnaire_world import make_questionnaire


def _answer(questionnaire, comune: str, option_index: int):
    single = next(q for q in questionnaire.questions if q.kind is QuestionKind.SINGLE)
    scale = next(q for q in questionnaire.questions if q.kind is QuestionKind.SCALE)
    services.save_response(make_user(comune=comune), questionnaire,
                           {single.id: Given(option_ids=[single.options[option_index].id]),
                            scale.id: Given(value=3)}, submit=True)
    return single


def test_small_groups_are_pooled_and_a_pool_still_too_small_is_left_out(db, app):
    questionnaire = make_questionnaire(make_consultation(Phase.PROPOSALS))
    questionnaire.anonymous = True
    for _ in range(6):
        single = _answer(questionnaire, "Crema", 0)
    for comune in ("Soresina", "Soresina", "Pandino", "Pandino", "Pandino"):
        _answer(questionnaire, comune, 1)
    db.session.flush()

    rows = next(r for r in aggregation.results(questionnaire, breakdown="comune").questions
                if r.question.id == single.id).groups
    with app.test_request_context(), force_locale("en"):
        labels = [(str(row.label), row.respondents) for row in rows]
    assert labels == [("Crema", 6), ("Smaller groups, together", 5)]
    assert rows[1].counts[str(single.options[1].id)] == 5

    _answer(questionnaire, "Casalmaggiore", 1)  # one more person, alone in a new comune
    by_age = next(r for r in aggregation.results(questionnaire, breakdown="eta").questions
                  if r.question.id == single.id).groups
    assert sum(row.respondents for row in by_age) == 12  # every band is one pool or bigger


def test_with_names_the_same_small_groups_are_shown_as_they_are(db):
    questionnaire = make_questionnaire(make_consultation(Phase.PROPOSALS))
    single = _answer(questionnaire, "Pandino", 0)
    rows = next(r for r in aggregation.results(questionnaire, breakdown="comune").questions
                if r.question.id == single.id).groups
    assert [(str(row.label), row.respondents) for row in rows] == [("Pandino", 1)]


def test_the_anonymous_export_carries_no_comune_or_age_band(db, app):
    from engage.questionnaires import exports

    questionnaire = make_questionnaire(make_consultation(Phase.PROPOSALS))
    questionnaire.anonymous = True
    _answer(questionnaire, "Crema", 0)
    db.session.flush()
    with app.test_request_context():
        (row,) = list(exports.responses(questionnaire))
    assert row["comune"] is None and row["age_band"] is None and row["answers"]
