"""Builders for test data; each flushes so the object has an id."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from engage.auth.models import Role, User
from engage.auth.services import add_officer, display_name_key
from engage.core.db import utcnow
from engage.extensions import db
from engage.institutions.models import Institution
from engage.masterplan.models import PriorityPoint
from engage.territory.models import Comune

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(role: Role = Role.CITIZEN, *, email: str | None = None, display_name: str | None = None,
              confirmed: bool = True, officer_of: Institution | None = None, locale: str = "it",
              comune: str | None = "Cremona", password: str = PASSWORD) -> User:
    n = next(_counter)
    name = display_name or f"Utente {n}"
    user = User(email=email or f"utente{n}@example.org", display_name=name,
                display_name_key=display_name_key(name), role=role, locale=locale,
                comune=comune_named(comune) if comune else None, privacy_accepted_at=utcnow(),
                email_confirmed_at=utcnow() if confirmed else None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if officer_of is not None:
        add_officer(user, officer_of)
    return user


def comune_named(name: str) -> Comune:
    return db.session.scalar(select(Comune).where(Comune.name == name))


def institution(slug: str = "provincia-cremona") -> Institution:
    return db.session.scalar(select(Institution).where(Institution.slug == slug))


def priority_point(number: int = 1) -> PriorityPoint:
    return db.session.scalar(select(PriorityPoint).where(PriorityPoint.number == number))


def form_token(client, url: str) -> str:
    """The CSRF token of the form on a page, as a browser would send it back."""
    import re

    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


# Consultations, proposals, comments: built through the real services where a rule applies.

def make_consultation(phase=None, *, institution_slug: str = "provincia-cremona", points=(1, 5),
                      by=None, **settings):
    """A consultation whose timeline puts it in `phase` now (default: proposals open)."""
    from datetime import timedelta

    from engage.consultations.models import Consultation
    from engage.consultations.phases import Phase

    phase = phase or Phase.PROPOSALS
    now = utcnow()
    day = timedelta(days=1)
    timelines = {  # announced, proposals, voting, until, results
        Phase.DRAFT: (None, now + day, now + 10 * day, now + 20 * day, None),
        Phase.UPCOMING: (now - day, now + day, now + 10 * day, now + 20 * day, None),
        Phase.PROPOSALS: (now - 2 * day, now - day, now + 10 * day, now + 20 * day, None),
        Phase.VOTING: (now - 20 * day, now - 10 * day, now - day, now + 10 * day, None),
        Phase.CLOSED: (now - 30 * day, now - 20 * day, now - 10 * day, now - day, None),
        Phase.RESULTS: (now - 40 * day, now - 30 * day, now - 20 * day, now - 10 * day, now - day),
    }
    announced, proposals_from, voting_from, voting_until, results_at = timelines[phase]
    values = dict(title_it=f"Consultazione {next(_counter)}", summary_it="Una consultazione di prova.",
                  body_it="", announced_at=announced, proposals_from=proposals_from,
                  voting_from=voting_from, voting_until=voting_until, results_at=results_at,
                  supports_per_participant=0, proposals_per_participant=0, support_threshold=3,
                  premoderate_proposals=False, comments_enabled=True)
    values.update(settings)
    consultation = Consultation(institution=institution(institution_slug), created_by=by,
                                priority_points=[priority_point(n) for n in points], **values)
    db.session.add(consultation)
    db.session.flush()
    assert consultation.phase is phase
    return consultation


def set_phase(consultation, phase):
    """Move a consultation's timeline so that it is in `phase` now (test setup, not a staff action)."""
    from engage.consultations.services import move_to_phase

    admin = make_user(Role.ADMIN)
    move_to_phase(admin, consultation, phase)
    db.session.flush()
    assert consultation.phase is phase


def make_proposal(consultation, author=None, *, title: str | None = None, body: str = "Una proposta concreta.",
                  point: int | None = None, comune: str | None = None, support_count: int = 0):
    """A published proposal written straight to the table (whatever the consultation's phase)."""
    from engage.core.markdown import render_markdown
    from engage.proposals.models import Proposal

    author = author or make_user()
    proposal = Proposal(consultation=consultation, author=author,
                        priority_point=priority_point(point) if point else consultation.priority_points[0],
                        comune=comune_named(comune) if comune else None,
                        title=title or f"Proposta {next(_counter)}", body=body, body_html=render_markdown(body),
                        support_count=support_count)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def make_supports(proposal, count: int):
    """`count` real supports from new citizens (rows, counter and ledger entries), in any phase."""
    from engage.ledger import services as ledger
    from engage.votes.models import Support

    for _ in range(count):
        supporter = make_user()
        db.session.add(Support(proposal_id=proposal.id, user_id=supporter.id,
                               consultation_id=proposal.consultation_id))
        ledger.append(consultation_id=proposal.consultation_id, proposal_id=proposal.id, user_id=supporter.id,
                      action="+")
    proposal.support_count += count
    db.session.flush()


def make_comment(proposal=None, *, consultation=None, author=None, parent=None, body="Un commento.",
                 stance=None):
    from engage.comments.models import Comment
    from engage.core.markdown import render_markdown

    consultation = consultation or proposal.consultation
    comment = Comment(consultation_id=consultation.id, proposal_id=proposal.id if proposal else None,
                      parent_id=parent.id if parent else None, author=author or make_user(),
                      depth=parent.depth + 1 if parent else 0, stance=stance, body=body,
                      body_html=render_markdown(body))
    db.session.add(comment)
    if proposal is not None:
        proposal.comment_count += 1
    db.session.flush()
    return comment


# The seven people every role table is read against, in the order of its tuples.
ROLE_PEOPLE = ("anonymous", "unconfirmed", "citizen", "officer_here", "officer_elsewhere", "moderator", "admin")


def role_people() -> dict:
    """Anonymous, an unconfirmed account, a citizen, an officer of the Provincia (which runs the
    tables' consultations), an officer of another institution (CGIL), a moderator, an admin."""
    from flask_login import AnonymousUserMixin

    return {
        "anonymous": AnonymousUserMixin(),
        "unconfirmed": make_user(confirmed=False),
        "citizen": make_user(),
        "officer_here": make_user(officer_of=institution("provincia-cremona")),
        "officer_elsewhere": make_user(officer_of=institution("cgil")),
        "moderator": make_user(Role.MODERATOR),
        "admin": make_user(Role.ADMIN),
    }
