"""Every figure of a result summary, from aggregate SQL: the page, the exports and the PDF
report read them here and nowhere else, so they cannot disagree.

A scope is a consultation, or a priority point or an axis across the public consultations.
The number of queries is fixed whatever the number of proposals, supports or comments.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, func, literal, or_, select, union
from sqlalchemy.orm import joinedload

from engage.accountability.models import AnswerStatus, OfficialAnswer
from engage.accountability.queries import decided, owed_an_answer
from engage.auth.models import AgeBand, User
from engage.comments.models import Comment, Stance
from engage.consultations.models import Consultation, consultation_priority_point
from engage.core.db import day_in_cremona_of_utc_hour, utc_hour, utcnow
from engage.core.numbers import per_thousand, percent
from engage.extensions import db
from engage.ledger.queries import Head
from engage.ledger.queries import head as ledger_head
from engage.masterplan.models import PriorityPoint
from engage.moderation.visibility import visible
from engage.proposals.models import Proposal
from engage.questionnaires.models import Questionnaire, Response
from engage.territory.models import Comune
from engage.votes.models import Support
from engage.votes.tally import counted_comment

RANKING_SIZE = 20


@dataclass(frozen=True)
class Scope:
    """Which proposals (and, for a consultation, which general discussion) a summary covers."""

    kind: str  # "consultation", "point" or "axis"
    target: object
    consultation_id: int | None = None
    point_ids: tuple[int, ...] = ()

    @classmethod
    def of_consultation(cls, consultation) -> Scope:
        return cls("consultation", consultation, consultation_id=consultation.id)

    @classmethod
    def of_point(cls, point) -> Scope:
        return cls("point", point, point_ids=(point.id,))

    @classmethod
    def of_axis(cls, axis) -> Scope:
        return cls("axis", axis, point_ids=tuple(p.id for p in axis.priority_points))

    def proposals(self):
        """SQL: the proposals in scope (joined with their consultation), visible to the public."""
        if self.consultation_id is not None:
            where = Proposal.consultation_id == self.consultation_id
        else:  # across consultations: only public ones
            where = and_(Proposal.priority_point_id.in_(self.point_ids or (-1,)),
                         Consultation.announced_at.is_not(None), Consultation.announced_at <= utcnow())
        return and_(where, visible(Proposal))

    def consultations(self):
        """SQL: ids of the consultations in scope (for questionnaires)."""
        if self.consultation_id is not None:
            return select(literal(self.consultation_id))
        return (select(consultation_priority_point.c.consultation_id)
                .join(Consultation, Consultation.id == consultation_priority_point.c.consultation_id)
                .where(consultation_priority_point.c.priority_point_id.in_(self.point_ids or (-1,)),
                       Consultation.announced_at.is_not(None), Consultation.announced_at <= utcnow()))


@dataclass
class RankedProposal:
    proposal: Proposal
    supports: int
    qualifies: bool
    stances: dict[Stance, int] = field(default_factory=dict)

    @property
    def stance_total(self) -> int:
        return sum(self.stances.values())


@dataclass
class Summary:
    scope: Scope
    participants: int
    proposals: int
    supports: int
    comments: int
    questionnaire_responses: int
    threshold: int | None
    ranking: list[RankedProposal]
    over_time: list[tuple[date, int, int, int]]  # day, proposals, supports, comments
    by_point: list[tuple[PriorityPoint, int, int]]  # point, proposals, supports
    by_comune: list[tuple[Comune | None, int, float | None]]  # comune, participants, per 1,000 inhabitants
    by_age: list[tuple[AgeBand | None, int, float]]  # band, participants, share %
    answers: dict[AnswerStatus | None, int]  # among proposals owed an answer; None: no answer yet
    overdue: int
    ledger: Head | None = None  # a consultation's chain head (sealed once results are published)
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def owed(self) -> int:
        return sum(self.answers.values())


def summary(scope: Scope, *, now: datetime | None = None, ranking_size: int = RANKING_SIZE) -> Summary:
    now = now or utcnow()
    in_scope = scope.proposals()
    proposals, supports = db.session.execute(
        select(func.count(Proposal.id), func.coalesce(func.sum(Proposal.support_count), 0))
        .join(Proposal.consultation).where(in_scope)).one()
    comments = db.session.scalar(select(func.count(Comment.id)).where(_comments_in(scope), *counted_comment()))
    responses = db.session.scalar(
        select(func.count(Response.id)).join(Questionnaire, Questionnaire.id == Response.questionnaire_id)
        .where(Questionnaire.consultation_id.in_(scope.consultations()), Response.submitted_at.is_not(None)))
    people = _people(scope)
    participants = sum(people.values())
    threshold = scope.target.support_threshold if scope.kind == "consultation" else None
    return Summary(
        scope=scope, participants=participants, proposals=proposals, supports=int(supports), comments=comments,
        questionnaire_responses=responses, threshold=threshold,
        ranking=_ranking(scope, threshold, ranking_size), over_time=_over_time(scope),
        by_point=_by_point(scope), by_comune=_by_comune(people), by_age=_by_age(people, participants),
        answers=_answers(scope), overdue=_overdue(scope, now),
        ledger=ledger_head(scope.target) if scope.kind == "consultation" else None)


def _comments_in(scope: Scope):
    """Comments on proposals in scope, plus a consultation's general discussion."""
    on_proposals = Comment.proposal_id.in_(select(Proposal.id).join(Proposal.consultation).where(scope.proposals()))
    if scope.consultation_id is None:
        return on_proposals
    return or_(on_proposals, and_(Comment.consultation_id == scope.consultation_id, Comment.proposal_id.is_(None)))


def _participants(scope: Scope):
    """Everyone who proposed, supported, commented or answered a questionnaire under their
    name, once each (a subquery of user ids). Anonymous answers cannot be counted as people."""
    in_scope = select(Proposal.id).join(Proposal.consultation).where(scope.proposals())
    return union(
        select(Proposal.author_id.label("user_id")).join(Proposal.consultation)
        .where(scope.proposals(), Proposal.author_id.is_not(None), Proposal.is_official.is_(False)),
        select(Support.user_id).where(Support.proposal_id.in_(in_scope)),
        select(Comment.author_id).where(_comments_in(scope), Comment.author_id.is_not(None), *counted_comment()),
        select(Response.respondent_id).join(Questionnaire, Questionnaire.id == Response.questionnaire_id)
        .where(Questionnaire.consultation_id.in_(scope.consultations()), Response.submitted_at.is_not(None),
               Response.respondent_id.is_not(None)),
    ).subquery()


def _ranking(scope: Scope, threshold: int | None, size: int) -> list[RankedProposal]:
    ranked = list(db.session.scalars(
        select(Proposal).join(Proposal.consultation).where(scope.proposals())
        .options(joinedload(Proposal.official_answer), joinedload(Proposal.priority_point),
                 joinedload(Proposal.author))
        .order_by(Proposal.support_count.desc(), Proposal.id).limit(size)))
    rows = [RankedProposal(p, p.support_count, qualifies=threshold is not None and p.qualifies(p.consultation))
            for p in ranked]
    by_id = {row.proposal.id: row for row in rows}
    if by_id:
        for proposal_id, stance, count in db.session.execute(
                select(Comment.proposal_id, Comment.stance, func.count())
                .where(Comment.proposal_id.in_(list(by_id)), Comment.stance.is_not(None), *counted_comment())
                .group_by(Comment.proposal_id, Comment.stance)):
            by_id[proposal_id].stances[stance] = count
    return rows


def _over_time(scope: Scope) -> list[tuple[date, int, int, int]]:
    """Per day in Cremona: new proposals, supports and comments. The SQL counts per UTC hour, the
    same on both engines; a support at 00:30 in Cremona (23:30 UTC) belongs to the new day."""
    in_scope = select(Proposal.id).join(Proposal.consultation).where(scope.proposals())
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    proposal_hour, support_hour, comment_hour = (
        utc_hour(Proposal.created_at), utc_hour(Support.created_at), utc_hour(Comment.created_at))
    series = (
        (0, select(proposal_hour, func.count()).join(Proposal.consultation)
         .where(scope.proposals()).group_by(proposal_hour)),
        (1, select(support_hour, func.count()).where(Support.proposal_id.in_(in_scope)).group_by(support_hour)),
        (2, select(comment_hour, func.count()).where(_comments_in(scope), *counted_comment())
         .group_by(comment_hour)),
    )
    for index, query in series:
        for hour, count in db.session.execute(query):
            days[day_in_cremona_of_utc_hour(hour)][index] += count
    return [(day, *days[day]) for day in sorted(days)]


def _by_point(scope: Scope) -> list[tuple[PriorityPoint, int, int]]:
    rows = db.session.execute(
        select(Proposal.priority_point_id, func.count(Proposal.id), func.coalesce(func.sum(Proposal.support_count), 0))
        .join(Proposal.consultation).where(scope.proposals()).group_by(Proposal.priority_point_id)).all()
    points = {p.id: p for p in db.session.scalars(
        select(PriorityPoint).where(PriorityPoint.id.in_([r[0] for r in rows])))} if rows else {}
    return sorted(((points[pid], count, int(total)) for pid, count, total in rows), key=lambda r: r[0].position)


def _people(scope: Scope) -> dict[tuple[int | None, AgeBand | None], int]:
    """Participants per (comune, age band), in one pass over the union: everyone has exactly
    one of each, so the total and both breakdowns are sums of these cells."""
    people = _participants(scope)
    return {(comune_id, band): count for comune_id, band, count in db.session.execute(
        select(User.comune_id, User.age_band, func.count(people.c.user_id))
        .join(User, User.id == people.c.user_id).group_by(User.comune_id, User.age_band))}


def _by_comune(people: dict) -> list[tuple[Comune | None, int, float | None]]:
    """Participants per comune and per 1,000 inhabitants, so under-represented areas stand out."""
    totals: dict[int | None, int] = defaultdict(int)
    for (comune_id, _band), count in people.items():
        totals[comune_id] += count
    rows = list(totals.items())
    comuni = {c.id: c for c in db.session.scalars(
        select(Comune).where(Comune.id.in_([cid for cid, _ in rows if cid is not None])))} if rows else {}
    figures = []
    for comune_id, count in rows:
        comune = comuni.get(comune_id)
        rate = per_thousand(count, comune.population) if comune else None
        figures.append((comune, count, rate))
    return sorted(figures, key=lambda f: (f[0] is None, -(f[2] or 0), f[0].name if f[0] else ""))


def _by_age(people: dict, participants: int) -> list[tuple[AgeBand | None, int, float]]:
    counts: dict[AgeBand | None, int] = defaultdict(int)
    for (_comune, band), count in people.items():
        counts[band] += count
    share = (lambda n: percent(n, participants))  # noqa: E731
    rows = [(band, counts[band], share(counts[band])) for band in AgeBand if counts.get(band)]
    if counts.get(None):
        rows.append((None, counts[None], share(counts[None])))
    return rows


def _answers(scope: Scope) -> dict[AnswerStatus | None, int]:
    rows = db.session.execute(
        select(OfficialAnswer.status, func.count(Proposal.id)).join(Proposal.consultation)
        .outerjoin(Proposal.official_answer).where(scope.proposals(), owed_an_answer())
        .group_by(OfficialAnswer.status)).all()
    return {status: count for status, count in rows}


def _overdue(scope: Scope, now: datetime) -> int:
    """Owed, without a decision, past the consultation's deadline (computed per consultation)."""
    rows = db.session.execute(
        select(Consultation.id, func.count(Proposal.id))
        .select_from(Proposal).join(Proposal.consultation).outerjoin(Proposal.official_answer)
        .where(scope.proposals(), owed_an_answer(), or_(OfficialAnswer.id.is_(None), ~decided()))
        .group_by(Consultation.id)).all()
    due = {c.id: c.answers_due_at for c in db.session.scalars(
        select(Consultation).where(Consultation.id.in_([cid for cid, _ in rows])))} if rows else {}
    return sum(count for consultation_id, count in rows if due[consultation_id] < now)
