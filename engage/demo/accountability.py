"""Demo answers, deadlines and reports: an accepted proposal with its milestones, one under
evaluation, one overdue on the institution's public board, and the closed consultations'
reports as they were sent to the officers."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engage.accountability import services as accountability
from engage.accountability.models import AnswerStatus, OfficialAnswer
from engage.auth import services as accounts
from engage.consultations import services as consultations
from engage.consultations.models import Consultation
from engage.core.db import utcnow
from engage.extensions import db
from engage.proposals.models import Proposal

CULTURE = "Cultura e liuteria: eventi diffusi in città"
YOUTH = "Giovani e lavoro: perché restare a Cremona"
CYCLING = "Piste ciclabili tra i comuni del territorio"


def seed_accountability(*, with_reports: bool = True) -> None:
    if db.session.scalar(select(OfficialAnswer.id).limit(1)):
        return
    officer = accounts.find_user_by_email("referente@example.org")
    now = utcnow()
    culture = _consultation(CULTURE)
    if culture is not None:
        # Its vote ended three months ago, so its 60-day deadline has passed: one answer was
        # given on time and is being carried out, the other is overdue on the public board.
        consultations.update_consultation(
            officer, culture, priority_points=culture.priority_points, announced_at=now - timedelta(days=150),
            proposals_from=now - timedelta(days=140), voting_from=now - timedelta(days=120),
            voting_until=now - timedelta(days=90), results_at=now - timedelta(days=85))
        accepted, overdue = _top_two(culture)
        answer = accountability.answer_proposal(
            officer, accepted, status=AnswerStatus.ACCEPTED, now=now - timedelta(days=70),
            body_it="Il Comune aderisce: da maggio le botteghe aderenti apriranno la prima domenica del mese, "
                    "con un calendario pubblicato sul sito del Museo del Violino.",
            body_en="The council agrees: from May the participating workshops will open on the first Sunday "
                    "of each month, with a calendar on the Violin Museum's website.",
            cost_estimate=15_000, responsible_office="Settore Cultura e Turismo")
        for days_ago, progress, note in ((60, 30, "Accordo firmato con il Consorzio Liutai."),
                                         (20, 60, "Prime quattro domeniche di apertura, 1.200 visitatori.")):
            accountability.add_milestone(officer, accepted, reached_on=(now - timedelta(days=days_ago)).date(),
                                         progress=progress, note_it=note)
        assert answer.decided_at is not None and overdue is not None
    youth = _consultation(YOUTH)
    if youth is not None:
        first, _second = _top_two(youth)
        accountability.answer_proposal(
            officer, first, status=AnswerStatus.UNDER_EVALUATION,
            body_it="Stiamo verificando con le associazioni di categoria quante imprese possono offrire tirocini "
                    "retribuiti. Daremo una risposta definitiva entro la scadenza.")
    cycling = _consultation(CYCLING)
    if cycling is not None:
        first, _second = _top_two(cycling)
        accountability.answer_proposal(
            officer, first, status=AnswerStatus.ALREADY_PLANNED,
            body_it="Il collegamento è già nel piano provinciale della mobilità ciclistica: il progetto di "
                    "fattibilità è finanziato e la gara è prevista per il prossimo anno.",
            responsible_office="Settore Infrastrutture stradali")
    db.session.flush()
    if with_reports:
        from engage.results.report import deliver

        for consultation in (culture, youth):
            if consultation is not None:
                deliver(consultation)


def _consultation(title: str) -> Consultation | None:
    return db.session.scalar(select(Consultation).where(Consultation.title_it == title))


def _top_two(consultation) -> tuple[Proposal, Proposal | None]:
    ranked = list(db.session.scalars(select(Proposal).where(Proposal.consultation_id == consultation.id)
                                     .order_by(Proposal.support_count.desc(), Proposal.id).limit(2)))
    return ranked[0], ranked[1] if len(ranked) > 1 else None
