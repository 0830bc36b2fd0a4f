"""Answering proposals and reporting their implementation. Each write is one function; the
caller commits."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from engage.accountability.models import AnswerStatus, Milestone, OfficialAnswer
from engage.auth.permissions import Refused, can
from engage.core.db import today_in_cremona, utcnow
from engage.extensions import db

BODY_MAX = 10_000
OFFICE_MAX = 200
COST_MAX = 10**12  # euros; a BIGINT column


def answer_proposal(by, proposal, *, status: AnswerStatus, body_it: str, body_en: str | None = None,
                    cost_estimate: int | None = None, responsible_office: str = "", now=None) -> OfficialAnswer:
    """Give or revise the institution's answer. The first decision's time is kept: a deadline
    met stays met, one missed stays missed, whatever later edits say."""
    if not can(by, "proposal.answer", proposal):
        raise Refused(_l("Only the officers of the consultation's institution can answer, once voting has "
                         "started."))
    body_it, body_en = (body_it or "").strip(), (body_en or "").strip() or None
    if not body_it:
        raise Refused(_l("Write the answer in Italian."), status=422)
    if len(body_it) > BODY_MAX or (body_en and len(body_en) > BODY_MAX):
        raise Refused(_l("The answer can be at most %(max)d characters long.", max=BODY_MAX), status=422)
    if cost_estimate is not None and not 0 <= cost_estimate <= COST_MAX:
        raise Refused(_l("Give the cost in whole euros, from 0."), status=422)
    now = now or utcnow()
    answer = proposal.official_answer
    news = answer is None or answer.status is not status  # a reworded reply is not news to announce
    if answer is None:
        answer = OfficialAnswer(proposal=proposal, created_at=now)
        db.session.add(answer)
    answer.status, answer.body_it, answer.body_en = status, body_it, body_en
    answer.cost_estimate = cost_estimate
    answer.responsible_office = (responsible_office or "").strip()[:OFFICE_MAX]
    answer.answered_by_id, answer.updated_at = by.id, now
    if status.is_decision and answer.decided_at is None:
        answer.decided_at = now
    db.session.flush()
    answer.progress = _progress(answer)
    if news:
        _tell_the_audience(proposal, by)
    return answer


def add_milestone(by, proposal, *, reached_on: date, progress: int, note_it: str,
                  note_en: str | None = None) -> Milestone:
    if not can(by, "proposal.report_progress", proposal):
        raise Refused(_l("Progress is reported by the institution's officers, on proposals it has accepted."))
    note_it, note_en = (note_it or "").strip(), (note_en or "").strip() or None
    if not note_it:
        raise Refused(_l("Say in Italian what was done."), status=422)
    if not 0 <= progress <= 100:
        raise Refused(_l("Progress is a percentage from 0 to 100."), status=422)
    if reached_on > today_in_cremona():
        raise Refused(_l("A milestone is something already done: its date cannot be in the future."), status=422)
    answer = proposal.official_answer
    milestone = Milestone(answer=answer, reached_on=reached_on, progress=progress, note_it=note_it[:BODY_MAX],
                          note_en=note_en[:BODY_MAX] if note_en else None, created_by_id=by.id)
    db.session.add(milestone)
    db.session.flush()
    if _latest(answer).progress == 100:  # a backdated 100 % does not override a later step
        answer.status = AnswerStatus.IMPLEMENTED
    answer.progress = _progress(answer)
    db.session.flush()
    return milestone


def _progress(answer) -> int:
    """Implemented means done; otherwise the latest milestone's figure (0 before any)."""
    if answer.status is AnswerStatus.IMPLEMENTED:
        return 100
    return _latest(answer).progress if answer.milestones else 0


def _latest(answer):
    return max(answer.milestones, key=lambda m: (m.reached_on, m.id))


def _tell_the_audience(proposal, by) -> None:
    """Its author, supporters and followers hear of the answer (by their preferences)."""
    from engage.core.urls import path_for
    from engage.notifications.services import notify_proposal_audience

    link = path_for("proposals.detail", proposal_id=proposal.id) + "#risposta-ufficiale"
    notify_proposal_audience(proposal, "answer", link, actor=by)
