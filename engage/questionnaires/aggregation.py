"""Every questionnaire figure, from SQL aggregates: the page, the exports and (later) the API
and the PDF report all read them here.

A fixed number of queries whatever the number of responses: counts are GROUP BYs over the
answer rows of submitted responses; mean and median of a scale come from its five counts.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from engage.auth.models import AgeBand
from engage.core.numbers import per_thousand, percent, rounded
from engage.extensions import db
from engage.moderation.visibility import visible_answer
from engage.questionnaires.models import SCALE_POINTS, Answer, Question, QuestionKind, Response
from engage.questionnaires.services import RETIRED
from engage.territory.models import Comune

TEXTS_ON_PAGE = 5
MIN_GROUP = 5  # anonymous questionnaires: no breakdown row about fewer people than this
OTHER = "other"


class Breakdown:
    AGE = "eta"
    COMUNE = "comune"
    ALL = (AGE, COMUNE)


@dataclass
class OptionFigure:
    key: str  # the option's id, or "other"
    option: object | None  # QuestionOption; None for "other"
    count: int = 0
    percent: float = 0.0
    points: int | None = None  # ranking: Borda points
    mean_rank: float | None = None


@dataclass
class ScaleFigures:
    distribution: list[tuple[int, int, float]]  # value, count, percent
    mean: float | None
    median: float | None


@dataclass
class GroupRow:
    """One line of a breakdown: a comune or an age band, with counts per option or scale value."""

    label: object
    respondents: int
    counts: dict[str, int]


@dataclass
class QuestionResult:
    question: Question
    respondents: int = 0
    options: list[OptionFigure] = field(default_factory=list)
    scale: ScaleFigures | None = None
    texts: list[tuple[int, str]] = field(default_factory=list)  # (answer id, text), newest first
    text_count: int = 0
    groups: list[GroupRow] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        """The keys a breakdown row is read by: option ids (and "other"), or scale values."""
        if self.question.kind is QuestionKind.SCALE:
            return [str(v) for v in SCALE_POINTS]
        return [figure.key for figure in self.options]


@dataclass
class ComuneFigure:
    comune: Comune | None  # None: not given, or outside the province
    respondents: int
    per_thousand: float | None


@dataclass
class Results:
    questionnaire: object
    responses: int
    drafts: int
    questions: list[QuestionResult]
    by_comune: list[ComuneFigure]
    by_age: list[tuple[AgeBand | None, int, float]]
    breakdown: str | None = None


def _submitted(questionnaire_id: int):
    return select(Response.id).where(Response.questionnaire_id == questionnaire_id,
                                     Response.submitted_at.is_not(None))


def response_counts(questionnaire_id: int) -> tuple[int, int]:
    """(submitted, drafts); texts retired under moderation (services._remove_text) are neither."""
    submitted, drafts = db.session.execute(
        select(func.count(Response.submitted_at), func.count() - func.count(Response.submitted_at))
        .where(Response.questionnaire_id == questionnaire_id,
               Response.respondent_token.not_like(f"{RETIRED}%"))).one()
    return submitted or 0, drafts or 0


def results(questionnaire, *, breakdown: str | None = None, texts: int = TEXTS_ON_PAGE) -> Results:
    submitted = _submitted(questionnaire.id)
    responses, drafts = response_counts(questionnaire.id)
    questions = questionnaire.answerable_questions
    counts = defaultdict(int)  # (question, option, value) -> rows
    for question_id, option_id, value, count in db.session.execute(
            select(Answer.question_id, Answer.option_id, Answer.value, func.count())
            .where(Answer.question_id.in_([q.id for q in questions]), Answer.response_id.in_(submitted))
            .group_by(Answer.question_id, Answer.option_id, Answer.value)):
        counts[question_id, option_id, value] = count
    respondents = _respondents(questions, counts, submitted)
    shown_texts, text_counts = _texts(questionnaire.id, texts)
    grouped = (_grouped_counts(questions, breakdown, anonymous=questionnaire.anonymous)
               if breakdown in Breakdown.ALL else None)

    results_ = []
    for question in questions:
        answered = text_counts.get(question.id, 0) if question.kind.is_text else respondents.get(question.id, 0)
        result = QuestionResult(question, answered, texts=shown_texts.get(question.id, []),
                                text_count=text_counts.get(question.id, 0))
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            result.options = [OptionFigure(str(o.id), o, counts[question.id, o.id, None]) for o in question.options]
            if question.has_other:
                result.options.append(OptionFigure(OTHER, None, counts[question.id, None, None]))
            for figure in result.options:
                figure.percent = percent(figure.count, result.respondents)
        elif question.kind is QuestionKind.RANKING:
            result.options = _borda(question, counts)
        elif question.kind is QuestionKind.SCALE:
            result.scale = _scale([counts[question.id, None, v] for v in SCALE_POINTS])
        if grouped is not None and question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE,
                                                      QuestionKind.SCALE):
            result.groups = grouped(question)
        results_.append(result)
    return Results(questionnaire, responses, drafts, results_, _by_comune(submitted),
                   _by_age(submitted, responses), breakdown if grouped is not None else None)


def _respondents(questions, counts, submitted) -> dict[int, int]:
    """People who answered each question. Only multiple choice needs a DISTINCT: elsewhere a
    person leaves one row (one option, "other", a value, a text) or ranks exactly one option first."""
    answered = {}
    for question in questions:
        rows = {key: count for key, count in counts.items() if key[0] == question.id}
        if question.kind is QuestionKind.RANKING:
            answered[question.id] = sum(count for (_q, _o, rank), count in rows.items() if rank == 1)
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.SCALE):
            answered[question.id] = sum(rows.values())
        # Text questions: the visible texts (see results()), so page and exports agree.
    multiple = [q.id for q in questions if q.kind is QuestionKind.MULTIPLE]
    if multiple:
        answered.update(db.session.execute(
            select(Answer.question_id, func.count(func.distinct(Answer.response_id)))
            .where(Answer.question_id.in_(multiple), Answer.response_id.in_(submitted))
            .group_by(Answer.question_id)).all())
    return answered


def _borda(question, counts) -> list[OptionFigure]:
    """n options: first place earns n-1 points, last place none. Sorted by points."""
    n = len(question.options)
    figures = []
    for option in question.options:
        by_rank = {rank: counts[question.id, option.id, rank] for rank in range(1, n + 1)}
        ranked = sum(by_rank.values())
        figure = OptionFigure(str(option.id), option, ranked)
        figure.points = sum((n - rank) * count for rank, count in by_rank.items())
        figure.mean_rank = (rounded(Decimal(sum(rank * count for rank, count in by_rank.items())) / ranked, 2)
                            if ranked else None)
        figure.percent = percent(by_rank[1], ranked)  # share who put it first
        figures.append(figure)
    return sorted(figures, key=lambda f: (-f.points, f.option.position))


def _scale(distribution: list[int]) -> ScaleFigures:
    total = sum(distribution)
    rows = [(value, count, percent(count, total)) for value, count in zip(SCALE_POINTS, distribution, strict=True)]
    if not total:
        return ScaleFigures(rows, None, None)
    mean = rounded(Decimal(sum(v * c for v, c in zip(SCALE_POINTS, distribution, strict=True))) / total, 2)

    def nth(k: int) -> int:  # the k-th smallest value (0-based)
        seen = 0
        for value, count in zip(SCALE_POINTS, distribution, strict=True):
            seen += count
            if k < seen:
                return value
        raise IndexError(k)

    median = (nth((total - 1) // 2) + nth(total // 2)) / 2
    return ScaleFigures(rows, mean, median)


def _texts(questionnaire_id: int, limit: int):
    """The newest visible texts per question, and how many visible texts each has: one query."""
    ranked = (select(Answer.id, Answer.question_id, Answer.text,
                     func.row_number().over(partition_by=Answer.question_id,
                                            order_by=Answer.id.desc()).label("n"),
                     func.count().over(partition_by=Answer.question_id).label("total"))
              .join(Response, Response.id == Answer.response_id)
              .where(Response.questionnaire_id == questionnaire_id, Response.submitted_at.is_not(None),
                     Answer.option_id.is_(None), Answer.text.is_not(None), visible_answer())
              .subquery())
    shown, totals = defaultdict(list), {}
    for answer_id, question_id, text, n, total in db.session.execute(
            select(ranked.c.id, ranked.c.question_id, ranked.c.text, ranked.c.n, ranked.c.total)
            .where(ranked.c.n <= max(limit, 1)).order_by(ranked.c.question_id, ranked.c.n)):
        totals[question_id] = total
        if n <= limit:
            shown[question_id].append((answer_id, text))
    return shown, totals


def text_answers(question):
    """Every visible text of one question, newest first (a Select, for the pager)."""
    return (select(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.question_id == question.id, Response.submitted_at.is_not(None),
                   Answer.option_id.is_(None), Answer.text.is_not(None), visible_answer())
            .order_by(Answer.id.desc()))


def _by_comune(submitted) -> list[ComuneFigure]:
    rows = db.session.execute(
        select(Response.comune_id, func.count()).where(Response.id.in_(submitted))
        .group_by(Response.comune_id)).all()
    comuni = {c.id: c for c in db.session.scalars(
        select(Comune).where(Comune.id.in_([cid for cid, _ in rows if cid is not None])))}
    figures = []
    for comune_id, count in rows:
        comune = comuni.get(comune_id)
        figures.append(ComuneFigure(comune, count, per_thousand(count, comune.population) if comune else None))
    return sorted(figures, key=lambda f: (f.comune is None, -f.respondents, f.comune.name if f.comune else ""))


def _by_age(submitted, responses: int):
    counts = dict(db.session.execute(
        select(Response.age_band, func.count()).where(Response.id.in_(submitted))
        .group_by(Response.age_band)).all())
    bands = [band for band in AgeBand if counts.get(band)]
    rows = [(band, counts[band], percent(counts[band], responses)) for band in bands]
    if counts.get(None):
        rows.append((None, counts[None], percent(counts[None], responses)))
    return rows


def _grouped_counts(questions, breakdown: str, *, anonymous: bool = False):
    """Counts per question, option (or scale value) and group: two queries for the whole page."""
    group = Response.age_band if breakdown == Breakdown.AGE else Response.comune_id
    kinds = {q.id: q.kind for q in questions
             if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.SCALE)}
    cells = defaultdict(lambda: defaultdict(int))  # (question, group) -> key -> count
    people = defaultdict(int)  # (question, group) -> people who answered
    for question_id, option_id, value, key, count in db.session.execute(
            select(Answer.question_id, Answer.option_id, Answer.value, group, func.count())
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.question_id.in_(list(kinds)), Response.submitted_at.is_not(None))
            .group_by(Answer.question_id, Answer.option_id, Answer.value, group)):
        column = str(option_id) if option_id is not None else (str(value) if value is not None else OTHER)
        cells[question_id, key][column] += count
        if kinds[question_id] is not QuestionKind.MULTIPLE:  # one row per person
            people[question_id, key] += count
    multiple = [qid for qid, kind in kinds.items() if kind is QuestionKind.MULTIPLE]
    if multiple:
        for question_id, key, count in db.session.execute(
                select(Answer.question_id, group, func.count(func.distinct(Answer.response_id)))
                .join(Response, Response.id == Answer.response_id)
                .where(Answer.question_id.in_(multiple), Response.submitted_at.is_not(None))
                .group_by(Answer.question_id, group)):
            people[question_id, key] = count
    keys = sorted({key for _, key in people}, key=lambda k: (k is None, str(k)))
    names = {}
    if breakdown == Breakdown.COMUNE:
        names = {c.id: c.name for c in db.session.scalars(
            select(Comune).where(Comune.id.in_([k for k in keys if k is not None])))}
        keys.sort(key=lambda k: (k is None, names.get(k, "")))
    else:
        order = list(AgeBand)
        keys.sort(key=lambda k: (k is None, order.index(k) if k is not None else 0))

    def label(key):
        if key is None:
            return _l("Not given")
        return names.get(key, key) if breakdown == Breakdown.COMUNE else key.label

    def rows_for(question) -> list[GroupRow]:
        rows = [GroupRow(label(key), people[question.id, key], dict(cells[question.id, key]))
                for key in keys if people.get((question.id, key))]
        return _pool_small_groups(rows) if anonymous else rows

    return rows_for


def _pool_small_groups(rows: list[GroupRow]) -> list[GroupRow]:
    """In an anonymous questionnaire a group of one or two people would show their answers:
    groups under MIN_GROUP are added together into one row (and left out if that is still small)."""
    kept = [row for row in rows if row.respondents >= MIN_GROUP]
    small = [row for row in rows if row.respondents < MIN_GROUP]
    pooled = GroupRow(_l("Smaller groups, together"), sum(r.respondents for r in small), defaultdict(int))
    for row in small:
        for column, count in row.counts.items():
            pooled.counts[column] += count
    if pooled.respondents >= MIN_GROUP:
        kept.append(pooled)
    return kept
