"""Reading a filled-in questionnaire: every answer is checked on its own, so one mistake is
reported next to its question and everything else the person wrote is kept and shown again.

Field names: `q<id>` (choices, scale value, text), `q<id>_other` (the "other" text) and
`q<id>_o<option id>` (the rank given to an option).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from engage.questionnaires.models import SCALE_POINTS, QuestionKind
from engage.questionnaires.services import OTHER_MAX, TEXT_MAX, Given

OTHER = "other"


@dataclass
class Shown:
    """What the form shows for one question: as typed, or as stored."""

    chosen: set[str] = field(default_factory=set)
    other: str = ""
    ranks: dict[int, str] = field(default_factory=dict)
    text: str = ""


def _is_number(text: str) -> bool:
    """Plain ASCII digits only: str.isdigit() also accepts "²", which int() refuses."""
    return text.isascii() and text.isdigit() and len(text) <= 6


def _clean(value: str | None) -> str:
    return (value or "").replace("\x00", "").strip()


def shown_from_form(questionnaire, formdata) -> dict[int, Shown]:
    shown = {}
    for question in questionnaire.answerable_questions:
        name = question.field_name
        shown[question.id] = Shown(
            chosen={_clean(v) for v in formdata.getlist(name)} if not question.kind.is_text else set(),
            other=_clean(formdata.get(f"{name}_other")),
            ranks={o.id: _clean(formdata.get(f"{name}_o{o.id}")) for o in question.options},
            text=_clean(formdata.get(name)) if question.kind.is_text else "")
    return shown


def shown_from_response(questionnaire, response) -> dict[int, Shown]:
    shown = {q.id: Shown() for q in questionnaire.answerable_questions}
    if response is None:
        return shown
    kinds = {q.id: q.kind for q in questionnaire.answerable_questions}
    for answer in response.answers:
        entry, kind = shown.get(answer.question_id), kinds.get(answer.question_id)
        if entry is None:
            continue
        if kind is QuestionKind.RANKING and answer.option_id:
            entry.ranks[answer.option_id] = str(answer.value)
        elif answer.option_id:
            entry.chosen.add(str(answer.option_id))
        elif kind is QuestionKind.SCALE and answer.value is not None:
            entry.chosen.add(str(answer.value))
        elif kind is not None and kind.is_text:
            entry.text = answer.text or ""
        elif answer.text is not None:
            entry.chosen.add(OTHER)
            entry.other = answer.text
    return shown


def parse(questionnaire, shown: dict[int, Shown], *, complete: bool):
    """(answers by question id, translated errors by question id).

    `complete`: sending the final answers, so required questions must be answered; a draft
    may leave anything blank, but what it does contain must still make sense.
    """
    given: dict[int, Given] = {}
    errors: dict[int, object] = {}
    for question in questionnaire.answerable_questions:
        try:
            answer = _parse_one(question, shown[question.id])
        except ValueError as error:
            errors[question.id] = error.args[0]
            continue
        if complete and question.required and answer.is_empty:
            errors[question.id] = _l("This question needs an answer.")
            continue
        given[question.id] = answer
    return given, errors


def _parse_one(question, shown: Shown) -> Given:
    kind = question.kind
    option_ids = {str(o.id): o.id for o in question.options}
    if kind.is_text:
        if len(shown.text) > TEXT_MAX[kind]:
            raise ValueError(_l("Write at most %(max)d characters.", max=TEXT_MAX[kind]))
        return Given(text=shown.text or None)
    if kind is QuestionKind.SCALE:
        if not shown.chosen:
            return Given()
        value = next(iter(shown.chosen))
        if len(shown.chosen) > 1 or not _is_number(value) or int(value) not in SCALE_POINTS:
            raise ValueError(_l("Choose a value from 1 to 5."))
        return Given(value=int(value))
    if kind is QuestionKind.RANKING:
        return _parse_ranking(question, shown)
    unknown = shown.chosen - set(option_ids) - ({OTHER} if question.has_other else set())
    if unknown:
        raise ValueError(_l("Choose among the options shown."))
    wants_other = OTHER in shown.chosen
    if wants_other and not shown.other:
        raise ValueError(_l("You chose “Other”: please specify."))
    if shown.other and not wants_other:
        raise ValueError(_l("Choose “Other” to add your own answer, or clear its text."))
    if len(shown.other) > OTHER_MAX:
        raise ValueError(_l("Write at most %(max)d characters.", max=OTHER_MAX))
    chosen = [option_ids[key] for key in sorted(shown.chosen - {OTHER}, key=int)]
    count = len(chosen) + wants_other
    if kind is QuestionKind.SINGLE and count > 1:
        raise ValueError(_l("Choose only one answer."))
    if kind is QuestionKind.MULTIPLE and count:
        if question.max_choices and count > question.max_choices:
            raise ValueError(_l("Choose at most %(max)d answers.", max=question.max_choices))
        if count < question.min_choices:
            raise ValueError(_l("Choose at least %(min)d answers.", min=question.min_choices))
    return Given(option_ids=chosen, other=shown.other if wants_other else None)


def _parse_ranking(question, shown: Shown) -> Given:
    """All options ranked 1..n, each rank once; or none at all."""
    given = {option_id: rank for option_id, rank in shown.ranks.items() if rank}
    if not given:
        return Given()
    n = len(question.options)
    valid = all(_is_number(rank) and 1 <= int(rank) <= n for rank in given.values())
    if not valid or len(given) < n or len({int(r) for r in given.values()}) != n:
        raise ValueError(_l("Give each option a different position, from 1 to %(count)d.", count=n))
    return Given(option_ids=sorted(given, key=lambda option_id: int(given[option_id])))
