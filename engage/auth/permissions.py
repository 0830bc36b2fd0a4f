"""Every capability is one named rule here; views, templates, services and CLI ask `can()`.

Workflow state (phase, blocked, confirmed) belongs inside the rule, never in extra `if`s
scattered across views.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_login import current_user

from engage.auth.models import Role

Rule = Callable[..., bool]
RULES: dict[str, Rule] = {}


class Refused(Exception):
    """A rule said no. Carries a translated reason for the person, and an HTTP status."""

    def __init__(self, message, status: int = 403):
        super().__init__(message)  # kept lazy: translated when shown, in the reader's language
        self.message = message
        self.status = status


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        if name in RULES:
            raise ValueError(f"rule {name!r} defined twice")
        RULES[name] = func
        return func

    return register


def can(user, name: str, obj=None) -> bool:
    try:
        check = RULES[name]
    except KeyError:
        raise LookupError(f"unknown permission rule {name!r}") from None
    return bool(check(user, obj))


def require(name: str, obj=None, user=None) -> None:
    """Abort with 403 (or the login redirect for anonymous users) unless the rule allows it."""
    user = user if user is not None else current_user
    if can(user, name, obj):
        return
    if not user.is_authenticated:
        from engage.extensions import login_manager

        abort(login_manager.unauthorized())
    abort(403)


def the_public():
    """A visitor who is not signed in: the open data API and downloads show what this one may see,
    whoever asks, so their answers are the same for everybody and can be cached."""
    from engage.extensions import login_manager

    return login_manager.anonymous_user()


# Small predicates the rules are built from.

def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_admin(user) -> bool:
    return is_signed_in(user) and user.role is Role.ADMIN


def is_moderator(user) -> bool:
    return is_signed_in(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def is_officer_of(user, institution) -> bool:
    return is_signed_in(user) and any(
        m.institution_id == institution.id for m in user.memberships
    )


# Rules.

@rule("account.participate")
def _(user, _obj=None) -> bool:
    """Writing anything public needs a confirmed e-mail address and no block in force."""
    return is_signed_in(user) and user.is_confirmed and not user.is_blocked


@rule("admin.access")
def _(user, _obj=None) -> bool:
    return is_admin(user)


@rule("masterplan.edit")
def _(user, _obj=None) -> bool:
    return is_admin(user)


@rule("institution.edit")
def _(user, _institution=None) -> bool:
    return is_admin(user)


@rule("institution.act_for")
def _(user, institution) -> bool:
    return is_admin(user) or is_officer_of(user, institution)


@rule("user.grant_roles")
def _(user, _target=None) -> bool:
    return is_admin(user)


@rule("moderation.access")
def _(user, _obj=None) -> bool:
    return is_moderator(user)


def is_staff_of(user, consultation) -> bool:
    """Officers of the consultation's institution, and admins."""
    return is_admin(user) or is_officer_of(user, consultation.institution)


def _phase(consultation):
    from engage.consultations.phases import Phase

    return consultation.phase, Phase


# Consultations.

@rule("consultation.create")
def _(user, institution=None) -> bool:
    """For one institution, or (without one) for any: can this person open consultations at all?"""
    if institution is None:
        return is_admin(user) or (is_signed_in(user) and bool(user.memberships))
    return is_admin(user) or is_officer_of(user, institution)


@rule("consultation.view")
def _(user, consultation) -> bool:
    return consultation.phase.is_public or is_staff_of(user, consultation)


@rule("consultation.manage")
def _(user, consultation) -> bool:
    return is_staff_of(user, consultation)


# Proposals.

@rule("proposal.create")
def _(user, consultation) -> bool:
    phase, Phase = _phase(consultation)
    return can(user, "account.participate") and phase is Phase.PROPOSALS


@rule("proposal.create_official")
def _(user, consultation) -> bool:
    phase, Phase = _phase(consultation)
    return is_staff_of(user, consultation) and phase in (Phase.UPCOMING, Phase.PROPOSALS, Phase.VOTING)


@rule("proposal.view")
def _(user, proposal) -> bool:
    """Its page: anyone, once public; while awaiting review, only those who may read it."""
    from engage.moderation.models import Moderation

    if not can(user, "consultation.view", proposal.consultation):
        return False
    return proposal.moderation is not Moderation.PENDING or can(user, "content.read", proposal)


@rule("proposal.edit")
def _(user, proposal) -> bool:
    """Until the first support or comment, and only while proposals are open."""
    from engage.proposals.models import ProposalStatus

    phase, Phase = _phase(proposal.consultation)
    return (can(user, "account.participate") and proposal.author_id == user.id
            and proposal.status is not ProposalStatus.WITHDRAWN and phase is Phase.PROPOSALS
            and proposal.support_count == 0 and proposal.comment_count == 0)


@rule("proposal.withdraw")
def _(user, proposal) -> bool:
    from engage.proposals.models import ProposalStatus

    return (is_signed_in(user) and proposal.author_id == user.id
            and proposal.status is not ProposalStatus.WITHDRAWN)


# Official answers and their follow-up.

@rule("proposal.answer")
def _(user, proposal) -> bool:
    """The consultation's institution answers once voting has started, whatever came of the votes."""
    phase, Phase = _phase(proposal.consultation)
    from engage.moderation.visibility import is_visible

    return (is_staff_of(user, proposal.consultation) and phase in (Phase.VOTING, Phase.CLOSED, Phase.RESULTS)
            and is_visible(proposal))


@rule("proposal.report_progress")
def _(user, proposal) -> bool:
    """Progress is reported on proposals the institution said it would carry out."""
    answer = proposal.official_answer
    return is_staff_of(user, proposal.consultation) and answer is not None and answer.status.goes_ahead


# Supports.

@rule("proposal.support")
def _(user, proposal) -> bool:
    """Phase and state only; the per-person limit is "support.within_limit"."""
    from engage.proposals.models import ProposalStatus

    phase, Phase = _phase(proposal.consultation)
    from engage.moderation.visibility import is_visible

    return (can(user, "account.participate") and phase is Phase.VOTING
            and proposal.status is ProposalStatus.PUBLISHED and is_visible(proposal))


@rule("support.within_limit")
def _(user, consultation) -> bool:
    from engage.votes import tally

    left = tally.supports_left(user, consultation)
    return left is None or left > 0


@rule("support.withdraw")
def _(user, proposal) -> bool:
    phase, Phase = _phase(proposal.consultation)
    return can(user, "account.participate") and phase is Phase.VOTING


# Comments.

@rule("comment.create")
def _(user, consultation) -> bool:
    phase, Phase = _phase(consultation)
    return (can(user, "account.participate") and consultation.comments_enabled
            and phase in (Phase.PROPOSALS, Phase.VOTING))


@rule("comment.edit")
def _(user, comment) -> bool:
    from engage.comments.services import EDIT_WINDOW
    from engage.core.db import utcnow

    return (is_signed_in(user) and comment.author_id == user.id and comment.deleted_at is None
            and utcnow() - comment.created_at <= EDIT_WINDOW)


@rule("comment.delete")
def _(user, comment) -> bool:
    return is_signed_in(user) and comment.author_id == user.id and comment.deleted_at is None


@rule("comment.vote")
def _(user, comment) -> bool:
    """Only on comments this person can see: never in drafts or on proposals awaiting review."""
    return (can(user, "account.participate") and comment.author_id != user.id
            and comment.deleted_at is None and can(user, "consultation.view", comment.consultation)
            and (comment.proposal is None or can(user, "proposal.view", comment.proposal)))


# Questionnaires.

@rule("questionnaire.view")
def _(user, questionnaire) -> bool:
    """Once published, by anyone who can see the consultation; before that, by its staff."""
    return can(user, "consultation.view", questionnaire.consultation) and (
        questionnaire.is_published or is_staff_of(user, questionnaire.consultation))


@rule("questionnaire.manage")
def _(user, questionnaire_or_consultation) -> bool:
    consultation = getattr(questionnaire_or_consultation, "consultation", questionnaire_or_consultation)
    return is_staff_of(user, consultation)


@rule("questionnaire.answer")
def _(user, questionnaire) -> bool:
    """Only while the consultation is in the phase the staff chose, and once published."""
    return can(user, "account.participate") and questionnaire.is_open


@rule("questionnaire.results")
def _(user, questionnaire) -> bool:
    """Staff follow results live; everybody sees them once the questionnaire has closed."""
    return is_staff_of(user, questionnaire.consultation) or (
        questionnaire.is_closed and can(user, "consultation.view", questionnaire.consultation))


@rule("questionnaire.export")
def _(user, questionnaire) -> bool:
    """One row per response (with comune and age band) is for the institution, not the public."""
    return is_staff_of(user, questionnaire.consultation)


# Results.

@rule("results.view")
def _(user, consultation) -> bool:
    """Live once voting opens, final after it closes; the institution follows them all along."""
    phase, Phase = _phase(consultation)
    return is_staff_of(user, consultation) or phase in (Phase.VOTING, Phase.CLOSED, Phase.RESULTS)


# Follows.

@rule("follow")
def _(user, _target=None) -> bool:
    return is_signed_in(user)


# Moderation.

@rule("content.read")
def _(user, item) -> bool:
    """See the words of a hidden or held item: its author, moderators and the institution's staff."""
    from engage.moderation.visibility import is_visible

    if is_visible(item):
        return True
    return is_signed_in(user) and (item.author_id == user.id or is_moderator(user)
                                   or is_staff_of(user, item.consultation))


@rule("content.report")
def _(user, item) -> bool:
    from engage.moderation.visibility import is_visible

    questionnaire = getattr(item, "questionnaire", None)  # free-text answers: sent, where results are shown
    return (can(user, "account.participate") and item.author_id != user.id and is_visible(item)
            and can(user, "consultation.view", item.consultation)
            and (questionnaire is None or (item.is_sent and can(user, "questionnaire.results", questionnaire))))


@rule("content.appeal")
def _(user, case) -> bool:
    """Once, by the author, about content that is hidden or held."""
    from engage.moderation.models import Moderation

    return (is_signed_in(user) and case.author_id == user.id and case.appealed_at is None
            and case.item is not None and case.item.moderation in (Moderation.HIDDEN, Moderation.PENDING))


@rule("moderation.queue")
def _(user, _obj=None) -> bool:
    """Moderators see every case; officers the cases of their institutions' consultations."""
    return is_moderator(user) or (is_signed_in(user) and bool(user.memberships))


@rule("moderation.decide")
def _(user, case) -> bool:
    return is_moderator(user) or is_officer_of(user, case.consultation.institution)


@rule("moderation.block")
def _(user, target) -> bool:
    """Blocking is site-wide, so it belongs to moderators; nobody blocks an admin or themselves."""
    from engage.auth.models import Role

    return is_moderator(user) and target.id != user.id and target.role is not Role.ADMIN


@rule("moderation.audit")
def _(user, _obj=None) -> bool:
    return is_admin(user)
