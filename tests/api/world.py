"""A province's open data, small: consultations in every public phase and a draft, proposals
(one awaiting review, one hidden), a discussion with a hidden and a deleted comment, answers."""
from __future__ import annotations

from dataclasses import dataclass

from engage.accountability import services as answers
from engage.accountability.models import AnswerStatus
from engage.auth.models import Role
from engage.comments import services as comments
from engage.consultations.phases import Phase
from engage.extensions import db
from engage.moderation import services as moderation
from engage.moderation.models import Moderation, ReportReason
from tests.factories import institution, make_comment, make_consultation, make_proposal, make_supports, make_user

DRAFT_TITLE = "Bozza riservata sul porto"
PENDING_TITLE = "Proposta in attesa di revisione"
HIDDEN_TITLE = "Compro oro, chiamate subito"
HIDDEN_COMMENT = "Commento offensivo nascosto"
DELETED_COMMENT = "Ci ho ripensato"


@dataclass
class OpenWorld:
    voting: object
    proposals_open: object
    results: object
    draft: object
    proposals: list
    pending: object
    hidden: object
    comments: list


def build() -> OpenWorld:
    officer = make_user(officer_of=institution("provincia-cremona"))
    moderator = make_user(Role.MODERATOR)
    voting = make_consultation(Phase.VOTING, title_it="Treni e ciclabili", support_threshold=2)
    proposals_open = make_consultation(Phase.PROPOSALS, title_it="Scuole e biblioteche")
    results = make_consultation(Phase.RESULTS, title_it="Acqua e parchi")
    draft = make_consultation(Phase.DRAFT, title_it=DRAFT_TITLE)
    make_proposal(draft, title="Segreta")

    proposals = []
    for number, (supports, comune) in enumerate([(5, "Crema"), (0, None), (3, "Cremona"), (3, "Crema"),
                                                 (1, "Casalmaggiore"), (7, None)]):
        proposal = make_proposal(voting, title=f"Treno serale {number}", comune=comune,
                                 point=voting.priority_points[number % 2].number)
        make_supports(proposal, supports)
        proposals.append(proposal)
    answers.answer_proposal(officer, proposals[0], status=AnswerStatus.ACCEPTED, body_it="La faremo nel 2027.")
    pending = make_proposal(voting, title=PENDING_TITLE)
    pending.moderation = Moderation.PENDING
    hidden = make_proposal(voting, title=HIDDEN_TITLE)
    moderation.report(make_user(), hidden, ReportReason.SPAM)
    moderation.hide(moderator, moderation.case_for(hidden, create=False), ReportReason.SPAM)

    first = make_comment(proposals[0], body="Servono più treni la sera.")
    reply = make_comment(proposals[0], parent=first, body="Anche la domenica.")
    offensive = make_comment(proposals[0], body=HIDDEN_COMMENT)
    moderation.report(make_user(), offensive, ReportReason.OFFENSIVE)
    moderation.hide(moderator, moderation.case_for(offensive, create=False), ReportReason.OFFENSIVE)
    regretted = make_comment(proposals[0], body=DELETED_COMMENT)
    comments.delete_comment(regretted.author, regretted)
    last = make_comment(proposals[0], body="Il treno delle 22 basterebbe.")
    general = make_comment(consultation=voting, body="Grazie per aver aperto la consultazione.")
    make_proposal(results, title="Fontanelle in piazza")
    db.session.commit()
    return OpenWorld(voting, proposals_open, results, draft, proposals, pending, hidden,
                     [first, reply, last, general])
