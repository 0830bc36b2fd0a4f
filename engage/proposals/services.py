"""Submitting, editing and withdrawing proposals. The caller commits."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from engage.auth.permissions import Refused, can
from engage.core.db import utcnow
from engage.core.markdown import render_markdown
from engage.extensions import db
from engage.follows import services as follows
from engage.moderation import services as moderation
from engage.proposals.models import BODY_MAX, TITLE_MAX, Proposal, ProposalStatus
from engage.votes import tally


def _check_text(consultation, title: str, body: str, priority_point) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise Refused(_l("A proposal needs a title and a description."), status=422)
    if len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise Refused(_l("The title can be at most %(title)d characters and the description at most "
                         "%(body)d.", title=TITLE_MAX, body=BODY_MAX), status=422)
    if priority_point not in consultation.priority_points:
        raise Refused(_l("Choose one of this consultation's priority points."), status=422)
    return title, body


def submit_proposal(author, consultation, *, title: str, body: str, priority_point, comune=None,
                    official: bool = False) -> Proposal:
    if official:
        if not can(author, "proposal.create_official", consultation):
            raise Refused(_l("Only the institution's officers can publish official proposals."))
    else:
        if not can(author, "proposal.create", consultation):
            raise Refused(_l("Proposals can be submitted only while the proposals phase is open."),
                          status=409)
        limit = consultation.proposals_per_participant
        if limit and tally.proposals_submitted(author, consultation) >= limit:
            raise Refused(lazy_ngettext("You have already submitted the proposal this consultation allows.",
                                        "You have already submitted the %(num)d proposals this consultation "
                                        "allows.", limit), status=409)
    title, body = _check_text(consultation, title, body, priority_point)
    held = not official and moderation.should_hold(author, consultation, is_comment=False)
    proposal = Proposal(consultation=consultation, author=author, priority_point=priority_point,
                        comune=comune, title=title, body=body, body_html=render_markdown(body),
                        is_official=official, status=ProposalStatus.PUBLISHED)
    db.session.add(proposal)
    db.session.flush()
    if held:
        moderation.hold(proposal)
    follows.follow(author, proposal=proposal)
    return proposal


def edit_proposal(by, proposal, *, title: str, body: str, priority_point, comune=None) -> Proposal:
    if not can(by, "proposal.edit", proposal):
        raise Refused(_l("A proposal can be edited only by its author, while proposals are open, "
                         "and before it receives its first support or comment."), status=409)
    title, body = _check_text(proposal.consultation, title, body, priority_point)
    proposal.title, proposal.body, proposal.body_html = title, body, render_markdown(body)
    proposal.priority_point, proposal.comune = priority_point, comune
    proposal.edited_at = utcnow()
    db.session.flush()
    return proposal


def withdraw_proposal(by, proposal) -> Proposal:
    if not can(by, "proposal.withdraw", proposal):
        raise Refused(_l("Only the author can withdraw a proposal, once."), status=409)
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdrawn_at = utcnow()
    db.session.flush()
    return proposal
