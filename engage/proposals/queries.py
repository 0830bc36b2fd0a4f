"""Read queries for proposals: the web list, the priority point page and (later) the API share them."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import BigInteger, Select, and_, cast, false, func, or_, select
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import joinedload

from engage.accountability.models import AnswerStatus, OfficialAnswer
from engage.consultations.models import Consultation
from engage.extensions import db
from engage.moderation.visibility import visible as moderation_visible
from engage.proposals import search
from engage.proposals.models import Proposal, ProposalStatus


def visible():
    """Proposals anyone may see and count: the moderation helper decides."""
    return moderation_visible(Proposal)


class Order(enum.Enum):
    RANDOM = "random"
    SUPPORTS = "supports"
    NEWEST = "newest"
    COMMENTS = "comments"


class StatusFilter(enum.Enum):
    QUALIFIED = "qualified"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class ProposalFilters:
    priority_point_id: int | None = None
    comune_id: int | None = None
    status: StatusFilter | None = None
    answer_status: AnswerStatus | None = None
    words: tuple[str, ...] = ()
    order: Order = Order.RANDOM
    seed: int = 0  # random order: stable per visitor per day


# Random order: (id * a + b) mod p is a permutation of the ids for every a in 1..p-1,
# and a different a gives a genuinely different order (not just a rotation).
_SHUFFLE_PRIME = 2_147_483_629


def proposal_list(consultation, filters: ProposalFilters, viewer=None) -> Select:
    query = (select(Proposal).where(Proposal.consultation_id == consultation.id)
             .options(joinedload(Proposal.author), joinedload(Proposal.priority_point),
                      joinedload(Proposal.comune), joinedload(Proposal.official_answer)))
    own = getattr(viewer, "is_authenticated", False)
    # People see their own pending proposals ("awaiting review"); nobody else does.
    query = query.where(or_(visible(), Proposal.author_id == viewer.id) if own else visible())
    if filters.priority_point_id:
        query = query.where(Proposal.priority_point_id == filters.priority_point_id)
    if filters.comune_id:
        query = query.where(Proposal.comune_id == filters.comune_id)
    if filters.status is StatusFilter.QUALIFIED:
        if not consultation.answer_all_proposals:  # as Proposal.qualifies
            threshold = consultation.support_threshold
            query = query.where(Proposal.support_count >= threshold if threshold > 0 else false())
    elif filters.status is StatusFilter.WITHDRAWN:
        query = query.where(Proposal.status == ProposalStatus.WITHDRAWN)
    elif filters.status is StatusFilter.ANSWERED:
        query = query.where(Proposal.official_answer.has(OfficialAnswer.decided_at.is_not(None)))
    if filters.answer_status is not None:
        query = query.where(Proposal.official_answer.has(OfficialAnswer.status == filters.answer_status))
    if filters.words:
        query = query.where(search.matching(list(filters.words)))
    return query.order_by(*_ordering(filters))


def rows_of(query: Select, *, limit: int, offset: int = 0) -> list[Proposal]:
    """A slice of proposal_list(), cut on the ids alone, then loaded whole for those ids.

    Why: a consultation at provincial scale holds over a thousand proposals, and sorting them
    whole (bodies, joined authors, points, comuni, answers) to keep twenty took 16-21 ms in
    random order at `large`; sorting the ids takes 4-6 ms, and loading twenty rows by id almost
    nothing.
    """
    ids = query.with_only_columns(Proposal.id).limit(limit).offset(offset)
    return list(db.session.scalars(query.where(Proposal.id.in_(ids.scalar_subquery()))).unique())


class ProposalPage(SelectPagination):
    """A page of proposal_list() for the web pager: rows and count both on the ids alone (rows_of)."""

    def _query_items(self) -> list[Proposal]:
        return rows_of(self._query_args["select"], limit=self.per_page, offset=self._query_offset)

    def _query_count(self) -> int:
        ids = self._query_args["select"].with_only_columns(Proposal.id).order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(ids))


def page_of(query: Select, *, page: int, per_page: int) -> ProposalPage:
    """A page of proposal_list(), for the web list's pager (out-of-range pages are empty, not 404)."""
    return ProposalPage(select=query, session=db.session, page=page, per_page=per_page, error_out=False)


def _sort_columns(filters: ProposalFilters) -> tuple[tuple, bool]:
    """The expressions a list is ordered by (the id last, so the order is total) and whether descending."""
    if filters.order is Order.SUPPORTS:
        return (Proposal.support_count, Proposal.id), True
    if filters.order is Order.NEWEST:
        return (Proposal.created_at, Proposal.id), True
    if filters.order is Order.COMMENTS:
        return (Proposal.comment_count, Proposal.id), True
    multiplier, offset = _shuffle(filters.seed)
    # 64-bit arithmetic: PostgreSQL would overflow a 32-bit integer column.
    return ((cast(Proposal.id, BigInteger) * multiplier + offset) % _SHUFFLE_PRIME, Proposal.id), False


def _shuffle(seed: int) -> tuple[int, int]:
    return 1 + seed % (_SHUFFLE_PRIME - 1), (seed // _SHUFFLE_PRIME) % _SHUFFLE_PRIME


def _ordering(filters: ProposalFilters):
    columns, descending = _sort_columns(filters)
    return tuple(column.desc() for column in columns) if descending else columns


def sort_key(proposal: Proposal, filters: ProposalFilters) -> tuple:
    """Where a loaded proposal stands in the list's order: a keyset cursor's position."""
    if filters.order is Order.SUPPORTS:
        return proposal.support_count, proposal.id
    if filters.order is Order.NEWEST:
        return proposal.created_at, proposal.id
    if filters.order is Order.COMMENTS:
        return proposal.comment_count, proposal.id
    multiplier, offset = _shuffle(filters.seed)
    return (proposal.id * multiplier + offset) % _SHUFFLE_PRIME, proposal.id


def after(query: Select, filters: ProposalFilters, key: tuple) -> Select:
    """Keyset pagination: the rows that come after `key` in the list's order. Unlike an offset,
    a page neither repeats nor skips a proposal when others are added while someone pages."""
    (first, last_id), descending = _sort_columns(filters)
    value, id_ = key
    if descending:
        return query.where(or_(first < value, and_(first == value, Proposal.id < id_)))
    return query.where(or_(first > value, and_(first == value, Proposal.id > id_)))


def proposal_for_page(proposal_id: int) -> Proposal | None:
    return db.session.scalar(
        select(Proposal).where(Proposal.id == proposal_id)
        .options(joinedload(Proposal.author), joinedload(Proposal.priority_point),
                 joinedload(Proposal.comune), joinedload(Proposal.official_answer),
                 joinedload(Proposal.consultation).joinedload(Consultation.institution)))


def proposal_for_action(proposal_id: int) -> Proposal | None:
    """What the buttons' rules read (phase, state, visibility): a support is a busy write, and the
    page's five joins cost it more than the rest of its reads together."""
    return db.session.scalar(
        select(Proposal).where(Proposal.id == proposal_id)
        .options(joinedload(Proposal.consultation), joinedload(Proposal.author)))


def proposals_for_priority_point(point_id: int, limit: int = 20) -> list[Proposal]:
    """Most supported first, from consultations the public can see."""
    from engage.core.db import utcnow

    return list(db.session.scalars(
        select(Proposal).join(Proposal.consultation)
        .where(Proposal.priority_point_id == point_id, visible(),
               Consultation.announced_at.is_not(None), Consultation.announced_at <= utcnow())
        .options(joinedload(Proposal.consultation), joinedload(Proposal.author))
        .order_by(Proposal.support_count.desc(), Proposal.id.desc()).limit(limit)))


def count_for(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
