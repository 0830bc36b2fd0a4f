"""One row per submitted response, one column per question, in CSV and JSON.

Counts made from these rows equal the figures of `aggregation.results` (a test checks it):
hidden free text is left out, but the choice of "other" it came with still counts.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import case, select

from engage.core.csvexport import safe_cell
from engage.core.db import day_in_cremona
from engage.extensions import db
from engage.moderation.visibility import visible_answer
from engage.questionnaires.models import Answer, QuestionKind, Response
from engage.territory.models import Comune

BATCH = 2000


def _label(option) -> str:
    return option.localized("label").text


def header(questionnaire) -> list[str]:
    return [_("response"), _("submitted on"), _("comune"), _("age band")] + [
        f"{number}. {question.localized('text').text}"
        for number, question in enumerate(questionnaire.answerable_questions, start=1)]


def responses(questionnaire) -> Iterator[dict]:
    """Each response as {"response", "submitted_on", "comune", "age_band", "answers": {id: value}}.

    A value is a label, a list of labels (multiple choice; ranking, first to last), a number
    (scale) or a text; "other" comes as "Other: <text>". Anonymous questionnaires leave the
    comune and age band empty: the page's breakdowns pool small groups instead.
    """
    questions = {q.id: q for q in questionnaire.answerable_questions}
    options = {o.id: o for q in questions.values() for o in q.options}
    other = _("Other")
    rows = db.session.execute(
        select(Response.id, Response.submitted_at, Comune.name, Response.age_band,
               Answer.question_id, Answer.option_id, Answer.value, Answer.text,
               case((visible_answer(), True), else_=False))
        .outerjoin(Comune, Comune.id == Response.comune_id)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Response.questionnaire_id == questionnaire.id, Response.submitted_at.is_not(None))
        .order_by(Response.id, Answer.question_id, Answer.value, Answer.option_id.is_(None), Answer.option_id)
        .execution_options(yield_per=BATCH))
    for number, (_id, group) in enumerate(itertools.groupby(rows, key=lambda row: row[0]), start=1):
        group = list(group)
        _rid, submitted_at, comune, age_band = group[0][:4]
        answers: dict[int, object] = {}
        for *_head, question_id, option_id, value, text, shown in group:
            question = questions.get(question_id)
            if question is None:
                continue
            kind = question.kind
            if kind is QuestionKind.SCALE:
                answers[question_id] = value
            elif kind.is_text:
                if shown:
                    answers[question_id] = text
            else:
                if option_id is not None:
                    item = _label(options[option_id])
                else:
                    item = f"{other}: {text}" if shown else other
                if kind is QuestionKind.SINGLE:
                    answers[question_id] = item
                else:  # ranking rows come ordered by rank; choices in the options' order, "other" last
                    answers.setdefault(question_id, []).append(item)
        if questionnaire.anonymous:  # comune + age band + day could point at one person in a small comune
            comune, age_band = None, None
        yield {"response": number, "submitted_on": day_in_cremona(submitted_at).isoformat(), "comune": comune,
               "age_band": age_band.value if age_band else None, "answers": answers}


def _cell(value, kind: QuestionKind) -> str:
    if isinstance(value, list):
        return (" > " if kind is QuestionKind.RANKING else "; ").join(value)
    return "" if value is None else str(value)


def csv_lines(questionnaire) -> Iterator[str]:
    """Streamed, so ten thousand responses never sit in memory as one string."""
    import csv
    import io

    questions = questionnaire.answerable_questions
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([safe_cell(h) for h in header(questionnaire)])
    yield flush()
    for row in responses(questionnaire):
        writer.writerow([safe_cell(v) for v in (row["response"], row["submitted_on"], row["comune"],
                                                row["age_band"])]
                        + [safe_cell(_cell(row["answers"].get(q.id), q.kind)) for q in questions])
        if buffer.tell() > 64_000:
            yield flush()
    yield flush()


def json_chunks(questionnaire) -> Iterator[str]:
    questions = [{"id": q.id, "number": n, "kind": q.kind.value, "text": q.localized("text").text,
                  "required": q.required,
                  "options": [{"id": o.id, "label": _label(o)} for o in q.options]}
                 for n, q in enumerate(questionnaire.answerable_questions, start=1)]
    head = {"questionnaire": {"id": questionnaire.id, "title": questionnaire.localized("title").text,
                              "anonymous": questionnaire.anonymous,
                              "consultation_id": questionnaire.consultation_id},
            "questions": questions}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "responses": ['
    for index, row in enumerate(responses(questionnaire)):
        row["answers"] = {str(k): v for k, v in row["answers"].items()}
        yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
    yield "]}"
