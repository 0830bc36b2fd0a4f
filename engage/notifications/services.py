"""Notifications: recorded in the app for every recipient, and e-mailed as each person chose.

Callers never send mail: `notify` and the audience helpers add the in-app notification and, in
the same transaction, queue its e-mail (immediate preference) or leave it for the daily digest.
The caller commits; `flask mail send` delivers. Every function here flushes, never commits,
except the commands' own loops (`send_digests`, `announce_phase_changes`), which commit per person
or per consultation so that one failure does not undo the others.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from engage.auth.models import User
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.core.urls import path_for
from engage.extensions import db
from engage.follows.models import Follow
from engage.notifications import kinds, mails
from engage.notifications.kinds import DEFAULT_DELIVERY, Delivery, Topic
from engage.notifications.models import MailState, Notification, NotificationPreference, PhaseAnnouncement
from engage.votes.models import Support


UNREAD_SHOWN_MAX = 99  # the header shows "99+" beyond this, and counts no further
DIGEST_MIN_INTERVAL = timedelta(hours=20)  # never two digests in a day, however often the command runs
CHUNK = 1000


# Preferences -----------------------------------------------------------------------------------

def preferences_of(user) -> dict[Topic, Delivery]:
    """Every topic's delivery for this person (defaults filled in)."""
    chosen = {row.topic: row.delivery for row in
              db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user.id))}
    return {topic: chosen.get(topic.value, DEFAULT_DELIVERY[topic]) for topic in Topic}


def _deliveries(user_ids: list[int], topic: Topic) -> dict[int, Delivery]:
    rows = db.session.execute(select(NotificationPreference.user_id, NotificationPreference.delivery)
                              .where(NotificationPreference.topic == topic.value,
                                     NotificationPreference.user_id.in_(user_ids)))
    chosen = dict(rows.all())
    return {user_id: chosen.get(user_id, DEFAULT_DELIVERY[topic]) for user_id in user_ids}


def set_preference(user, topic: Topic, delivery: Delivery) -> None:
    row = db.session.get(NotificationPreference, (user.id, topic.value))
    if row is None:
        db.session.add(NotificationPreference(user_id=user.id, topic=topic.value, delivery=delivery))
    elif row.delivery is not delivery:
        row.delivery = delivery
    db.session.flush()


def unsubscribe(user, what: str) -> list[Topic]:
    """Stop the e-mails a link named: one topic, or (kinds.DIGEST) the daily digest. Returns the
    topics turned off. Idempotent: a second click changes nothing and says the same."""
    if what == kinds.DIGEST:
        current = preferences_of(user)
        topics = [topic for topic, delivery in current.items() if delivery is Delivery.DAILY]
    else:
        topics = [Topic(what)]
    for topic in topics:
        set_preference(user, topic, Delivery.OFF)
    return topics


def _can_be_mailed(user) -> bool:
    """Only confirmed addresses of live accounts: an unconfirmed address may be someone else's."""
    return user.deleted_at is None and user.email_confirmed_at is not None


# Recording notifications ---------------------------------------------------------------------------

def notify(user_id: int | None, kind: str, *, link: str = "", reason: str = "", until=None,
           proposal=None, consultation=None, now: datetime | None = None) -> Notification | None:
    """One person's notification (None: nobody to tell, e.g. a deleted author)."""
    if user_id is None:
        return None
    created = notify_many([user_id], kind, link=link, reason=reason, until=until, proposal=proposal,
                          consultation=consultation, now=now)
    return created[0] if created else None


def notify_many(user_ids: Iterable[int | None], kind: str, *, link: str = "", reason: str = "", until=None,
                proposal=None, consultation=None, now: datetime | None = None) -> list[Notification]:
    """The same notification for several people, each once; e-mail as each of them chose."""
    topic = kinds.topic_of(kind)  # an unknown kind fails here, loudly, not in a mail template later
    now = now or utcnow()
    ids = list(dict.fromkeys(user_id for user_id in user_ids if user_id is not None))
    if not ids:
        return []
    users, deliveries = {}, {}
    for start in range(0, len(ids), CHUNK):  # bounded IN lists, however large the audience
        chunk = ids[start:start + CHUNK]
        users.update((user.id, user) for user in db.session.scalars(select(User).where(User.id.in_(chunk))))
        deliveries.update(_deliveries(chunk, topic))
    created: list[tuple[User, Notification]] = []
    for user_id in ids:
        user = users.get(user_id)
        if user is None or user.deleted_at is not None:
            continue
        delivery = deliveries[user_id] if _can_be_mailed(user) else Delivery.OFF
        notification = Notification(
            user_id=user_id, kind=kind, link=link, reason=reason, until=until, created_at=now,
            proposal=proposal, consultation=consultation,
            mail_state={Delivery.IMMEDIATE: MailState.QUEUED, Delivery.DAILY: MailState.DIGEST,
                        Delivery.OFF: MailState.NONE}[delivery],
            mailed_at=now if delivery is Delivery.IMMEDIATE else None)
        db.session.add(notification)
        created.append((user, notification))
    db.session.flush()
    for user, notification in created:
        if notification.mail_state == MailState.QUEUED:
            mails.enqueue_notification_mail(user, notification, now=now)
    db.session.flush()
    return [notification for _user, notification in created]


def proposal_audience(proposal) -> list[int]:
    """Everyone with a stake in a proposal: its author, its supporters and its followers."""
    supporters = select(Support.user_id).where(Support.proposal_id == proposal.id)
    followers = select(Follow.user_id).where(Follow.proposal_id == proposal.id)
    ids = set(db.session.scalars(supporters.union(followers)))
    if proposal.author_id is not None:
        ids.add(proposal.author_id)
    return sorted(ids)


def notify_proposal_audience(proposal, kind: str, link: str, *, actor=None, **details) -> list[Notification]:
    """Tell a proposal's author, supporters and followers (each once, never `actor`).

    E.g. `notify_proposal_audience(proposal, "answer", path_for("proposals.detail", proposal_id=proposal.id),
    actor=officer)` when the institution answers it.
    """
    actor_id = getattr(actor, "id", None)
    ids = [user_id for user_id in proposal_audience(proposal) if user_id != actor_id]
    return notify_many(ids, kind, link=link, proposal=proposal, **details)


def notify_consultation_followers(consultation, kind: str, link: str, *, actor=None, **details) -> list[Notification]:
    """Tell everyone who follows a consultation (each once, never `actor`)."""
    actor_id = getattr(actor, "id", None)
    ids = db.session.scalars(select(Follow.user_id).where(Follow.consultation_id == consultation.id)
                             .order_by(Follow.user_id))
    return notify_many([user_id for user_id in ids if user_id != actor_id], kind, link=link,
                       consultation=consultation, **details)


def notify_institution_officers(institution, kind: str, link: str, *, consultation=None,
                                **details) -> list[Notification]:
    """Tell the officers of an institution, e.g. `report_ready` when a consultation's report is made."""
    from engage.institutions.models import InstitutionMembership

    ids = db.session.scalars(select(InstitutionMembership.user_id)
                             .where(InstitutionMembership.institution_id == institution.id)
                             .order_by(InstitutionMembership.user_id))
    return notify_many(list(ids), kind, link=link, consultation=consultation, **details)


def notify_reply(reply, parent) -> Notification | None:
    """A reply to a comment tells the parent's author (not when they answer themselves)."""
    from engage.moderation.services import item_link

    if parent.author_id is None or parent.author_id == reply.author_id or parent.deleted_at is not None:
        return None
    return notify(parent.author_id, "reply", link=item_link(reply), proposal=reply.proposal,
                  consultation=reply.consultation if reply.proposal is None else None)


# Phases --------------------------------------------------------------------------------------

def announce_phase(consultation, phase: Phase, *, actor=None, now: datetime | None = None) -> list[Notification]:
    """The consultation is now in `phase` (moved by hand): record it and tell its followers, once.

    Compare-and-set, like the timer's command: if both notice the same change at the same moment,
    only the one whose UPDATE changes the row tells anyone.
    """
    now = now or utcnow()
    changed = db.session.execute(
        update(PhaseAnnouncement)
        .where(PhaseAnnouncement.consultation_id == consultation.id, PhaseAnnouncement.phase != phase)
        .values(phase=phase, announced_at=now).execution_options(synchronize_session=False)).rowcount
    if not changed:
        if db.session.get(PhaseAnnouncement, consultation.id) is not None:
            return []  # already announced
        try:
            with db.session.begin_nested():
                db.session.execute(insert(PhaseAnnouncement).values(consultation_id=consultation.id, phase=phase,
                                                                    announced_at=now))
        except IntegrityError:  # the timer recorded it a moment ago
            return []
    return _tell_followers(consultation, phase, actor=actor, now=now)


def _tell_followers(consultation, phase: Phase, *, actor=None, now: datetime) -> list[Notification]:
    if not phase.is_public:  # back to draft: followers can no longer see it
        return []
    return notify_consultation_followers(consultation, "phase",
                                         path_for("consultations.detail", consultation_id=consultation.id),
                                         actor=actor, reason=phase.value, now=now)


def announce_phase_changes(now: datetime | None = None) -> dict[str, int]:
    """Tell followers about every phase that began with the passing of time since the last run.

    A consultation seen for the first time is only recorded (its followers were not told about
    earlier phases, and a first run must not flood them). Safe to run often and from several
    places at once: each change is claimed by a compare-and-set UPDATE, so it is announced once.
    """
    from engage.consultations.models import Consultation
    from engage.consultations.phases import phase_at

    now = now or utcnow()
    counts = {"announced": 0, "recorded": 0, "notifications": 0}
    timelines = db.session.execute(
        select(Consultation.id, Consultation.announced_at, Consultation.proposals_from, Consultation.voting_from,
               Consultation.voting_until, Consultation.results_at, PhaseAnnouncement.phase.label("announced"))
        .outerjoin(PhaseAnnouncement, PhaseAnnouncement.consultation_id == Consultation.id)
        .order_by(Consultation.id)).all()
    db.session.commit()
    for timeline in timelines:
        phase, announced = phase_at(timeline, now), timeline.announced
        if announced is phase:
            continue
        if announced is None:
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(PhaseAnnouncement).values(consultation_id=timeline.id,
                                                                        phase=phase, announced_at=now))
            except IntegrityError:  # another run recorded it first
                pass
            else:
                counts["recorded"] += 1
            db.session.commit()
            continue
        claimed = db.session.execute(
            update(PhaseAnnouncement)
            .where(PhaseAnnouncement.consultation_id == timeline.id, PhaseAnnouncement.phase == announced)
            .values(phase=phase, announced_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed == 1:
            counts["announced"] += 1
            consultation = db.session.get(Consultation, timeline.id)
            counts["notifications"] += len(_tell_followers(consultation, phase, now=now))
        db.session.commit()
    return counts


# Digests -------------------------------------------------------------------------------------

def send_digests(now: datetime | None = None, *, min_interval: timedelta = DIGEST_MIN_INTERVAL) -> dict[str, int]:
    """Queue one e-mail per daily-digest reader with all their notifications not mailed yet.

    Idempotent: a notification goes into one digest only (claimed by a conditional UPDATE, so two
    runs at once cannot both take it), and nobody gets a second digest within `min_interval`.
    Notifications of a topic turned off since they arrived are left out (and not kept waiting).
    """
    now = now or utcnow()
    counts = {"digests": 0, "notifications": 0, "skipped": 0}
    waiting = list(db.session.scalars(select(Notification.user_id).where(Notification.mail_state == MailState.DIGEST)
                                      .group_by(Notification.user_id).order_by(Notification.user_id)))
    for user_id in waiting:
        last = db.session.scalar(select(func.max(Notification.mailed_at))
                                 .where(Notification.user_id == user_id,
                                        Notification.mail_state == MailState.DIGESTED))
        if last is not None and now - last < min_interval:
            counts["skipped"] += 1
            continue
        user = db.session.get(User, user_id)
        pending = list(db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.mail_state == MailState.DIGEST)
            .options(selectinload(Notification.proposal), selectinload(Notification.consultation))
            .order_by(Notification.created_at, Notification.id)))
        current = preferences_of(user)
        wanted = [n for n in pending if _can_be_mailed(user) and current[kinds.topic_of(n.kind)] is not Delivery.OFF]
        dropped = [n.id for n in pending if n not in wanted]
        claimed = db.session.execute(
            update(Notification).where(Notification.id.in_([n.id for n in wanted]),
                                       Notification.mail_state == MailState.DIGEST)
            .values(mail_state=MailState.DIGESTED, mailed_at=now)
            .execution_options(synchronize_session=False)).rowcount if wanted else 0
        if claimed != len(wanted):  # another run is sending this person's digest
            db.session.rollback()
            continue
        if dropped:
            db.session.execute(update(Notification).where(Notification.id.in_(dropped),
                                                          Notification.mail_state == MailState.DIGEST)
                               .values(mail_state=MailState.NONE).execution_options(synchronize_session=False))
        if wanted:
            mails.enqueue_digest_mail(user, wanted, now=now)
            counts["digests"] += 1
            counts["notifications"] += len(wanted)
        db.session.commit()
    return counts


# Reading ---------------------------------------------------------------------------------------

def latest_for(user, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .options(selectinload(Notification.proposal),
                                            selectinload(Notification.consultation))
                                   .order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(limit)))


def unread_count(user) -> int:
    """How many are unread, counted up to UNREAD_SHOWN_MAX + 1 (one small indexed query)."""
    unread = (select(Notification.id).where(Notification.user_id == user.id, Notification.read_at.is_(None))
              .limit(UNREAD_SHOWN_MAX + 1).subquery())
    return db.session.scalar(select(func.count()).select_from(unread))


def mark_all_read(user) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
