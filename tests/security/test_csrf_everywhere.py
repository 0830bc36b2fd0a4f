"""Every route that changes something refuses a form sent without its CSRF token.

The routes are not listed by hand: the test walks the app's URL map, so a POST (or PUT, PATCH,
DELETE) route added tomorrow is covered the day it appears. Each one is called by a signed-in
admin (who may do almost anything, so a refusal can only come from the missing token) with a
plausible form (every field the app's forms know, filled with a valid-looking value) and no
`csrf_token`. Every answer must be the 400 "the form has expired" page, and nothing may change:
not a row in the database, not the admin's session, not a cookie, not a mail.

A new route whose URL arguments the test cannot fill makes it fail, naming the route: add the
argument to `argument_values` below rather than letting the route escape the check.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.routing import RequestRedirect

from engage.auth import services as accounts
from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.core.tokens import make_token
from engage.moderation import services as moderation
from engage.moderation.models import ReportReason
from tests.factories import (PASSWORD, comune_named, form_token, institution, make_comment, make_consultation,
                             make_proposal, make_user, priority_point)
from tests.security.questionnaire_world import make_questionnaire

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CSRF_REFUSAL = "Il modulo è scaduto"  # the 400 page's title when the token is missing (admin reads Italian)


@pytest.fixture
def world(db, client_as):
    """One of everything a URL can name, owned so that each action would really work."""
    admin = make_user(Role.ADMIN)
    moderator = make_user(Role.MODERATOR)
    citizen = make_user(officer_of=institution("comune-cremona"))  # so "remove officer" has work to do
    reporter = make_user()
    consultation = make_consultation(Phase.PROPOSALS)
    proposal = make_proposal(consultation, citizen)
    comment = make_comment(proposal, author=admin)  # the admin's own: editable, deletable
    moderation.report(reporter, proposal, ReportReason.SPAM, "spam")
    case = moderation.case_for(proposal, create=False)
    point = priority_point(1)
    questionnaire = make_questionnaire(consultation, published=False)  # unanswered: every edit would work
    db.session.commit()  # a refused request rolls the session back: setup must survive it
    return {
        "admin": admin, "moderator": moderator, "citizen": citizen, "consultation": consultation,
        "proposal": proposal, "comment": comment, "case": case, "point": point,
        "institution": institution("comune-cremona"), "axis": point.axis, "questionnaire": questionnaire,
    }


def argument_values(world) -> dict:
    """A real value for every URL argument a write route can take."""
    return {
        "consultation_id": world["consultation"].id,
        "proposal_id": world["proposal"].id,
        "comment_id": world["comment"].id,
        "case_id": world["case"].id,
        "user_id": world["citizen"].id,
        "institution_id": world["institution"].id,
        "axis_id": world["axis"].id,
        "point_id": world["point"].id,
        "kind": "proposta",
        "item_id": world["proposal"].id,
        "questionnaire_id": world["questionnaire"].id,
        "question_id": world["questionnaire"].questions[1].id,
        # A live password-reset link for the citizen, as the reset mail would carry it.
        "token": make_token(accounts.RESET_PURPOSE, {"uid": world["citizen"].id,
                                                     "pw": world["citizen"].password_hash[-16:]}),
    }


def plausible_form(world) -> dict:
    """What a browser would send to any of the app's forms, except the token."""
    now = utcnow()
    stamp = lambda days: (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    return {
        # account
        "email": "nuovo@example.org", "password": "una password nuova", "password_again": "una password nuova",
        "current_password": PASSWORD, "display_name": "Nome Nuovo", "comune": str(comune_named("Crema").id),
        "age_band": "30_44", "privacy": "y", "remember": "y", "locale": "en", "lang": "en", "next": "/privacy",
        # proposals, comments, buttons
        "title": "Un titolo nuovo", "body": "Un testo nuovo.", "priority_point": str(world["point"].id),
        "similar_checked": "1", "publish": "1", "official": "y", "stance": "in_favour", "parent_id": "",
        "value": "up", "follow": "1", "direction": "up",
        # moderation
        "reason": "spam", "details": "Dettagli.", "message": "Per favore riconsiderate.", "note": "Nota.",
        "days": "7", "action": "hide", "single": f"hide:{world['case'].id}", "bulk_action": "hide",
        "case_ids": str(world["case"].id), "case_id": str(world["case"].id),
        # consultations
        "phase": "voting", "institution": str(world["institution"].id), "title_it": "Titolo",
        "summary_it": "Sintesi.", "body_it": "Testo.", "priority_points": str(world["point"].id),
        "announced_at": stamp(-1), "proposals_from": stamp(1), "voting_from": stamp(5),
        "voting_until": stamp(9), "supports_per_participant": "3", "proposals_per_participant": "2",
        "support_threshold": "5", "comments_enabled": "y",
        # admin
        "role": "moderator", "name": "Ente Nuovo", "kind": "agency", "role_it": "Ruolo.",
        "description_it": "Descrizione.", "number": "99", "axis": str(world["axis"].id),
        "institutions": str(world["institution"].id), "slug": "nuovo-slug",
        # official answers and implementation milestones
        "status": "accepted", "body_en": "Text.", "cost_estimate": "12500", "responsible_office": "Settore Viabilità",
        "reached_on": (now - timedelta(days=1)).strftime("%Y-%m-%d"), "progress": "40", "note_it": "Lavori avviati.",
        "note_en": "Works started.",
        # questionnaires
        "open_phase": "proposals", "anonymous": "y", "text_it": "Una domanda?", "options_it": "Sì\nNo",
        "required": "y", "min_choices": "0", "max_choices": "1", "has_other": "y",
    }


def write_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if set(rule.methods) & set(WRITE_METHODS)),
                  key=lambda rule: (rule.rule, rule.endpoint))


def build_url(app, rule, values) -> str:
    """The rule's URL with real ids; raises AssertionError naming what cannot be filled."""
    needed = set(rule.arguments) - set(rule.defaults or {})
    missing = sorted(needed - set(values))
    assert not missing, (f"{rule.endpoint} ({rule.rule}) takes {missing}: add a real value for it to "
                         "argument_values() in tests/security/test_csrf_everywhere.py")
    built = rule.build({name: values[name] for name in needed}, append_unknown=False)
    assert built is not None, f"could not build {rule.rule} from {values}"
    path = built[1]
    adapter = app.url_map.bind("localhost")
    for method in sorted(set(rule.methods) & set(WRITE_METHODS)):
        try:
            matched, _args = adapter.match(path, method=method, return_rule=True)
        except RequestRedirect as redirect:  # pragma: no cover - a route that only redirects
            raise AssertionError(f"{path} redirects to {redirect.new_url}") from None
        assert matched is rule, f"{path} reaches {matched.rule}, not {rule.rule}"
    return path


def database_state(db) -> dict[str, list[str]]:
    """Every row of every table, as text: two states compare equal only if nothing changed."""
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(repr(tuple(row)) for row in rows)
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def test_the_walk_finds_the_write_routes_and_can_fill_every_argument(app, world):
    rules = write_rules(app)
    endpoints = {rule.endpoint for rule in rules}
    # A sanity floor, so an empty walk (a broken url_map) cannot pass silently.
    assert {"auth.set_language", "auth.logout", "proposals.support", "moderation.decide",
            "admin.set_role", "consultations.move_phase", "comments.on_proposal"} <= endpoints
    values = argument_values(world)
    problems = []
    for rule in rules:
        try:
            build_url(app, rule, values)
        except AssertionError as error:
            problems.append(str(error))
    assert not problems, "\n".join(problems)


def test_every_write_route_refuses_a_form_without_its_csrf_token(app, db, world, client_as, mailbox):
    client = client_as(world["admin"])
    values, form = argument_values(world), plausible_form(world)
    failures = []
    requests = 0
    for rule in write_rules(app):
        path = build_url(app, rule, values)
        for method in sorted(set(rule.methods) & set(WRITE_METHODS)):
            before = database_state(db)
            response = client.open(path, method=method, data=form)
            requests += 1
            after = database_state(db)
            where = f"{method} {path} ({rule.endpoint})"
            if response.status_code != 400:
                failures.append(f"{where}: answered {response.status_code}, expected 400")
            elif CSRF_REFUSAL not in response.get_data(as_text=True):
                failures.append(f"{where}: a 400, but not the missing-token page")
            if changed_tables(before, after):
                failures.append(f"{where}: changed {changed_tables(before, after)}")
            cookies = {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}
            if cookies - {"session"}:
                failures.append(f"{where}: set cookies {sorted(cookies - {'session'})}")
            if client.get("/admin/").status_code != 200:  # e.g. POST /esci signed the admin out
                failures.append(f"{where}: the admin is no longer signed in")
                client = client_as(world["admin"])
    assert requests >= 30, f"only {requests} write requests were tried"
    assert not mailbox.messages, f"mail was sent: {[m['Subject'] for m in mailbox.messages]}"
    assert not failures, "\n".join(failures)
    db.session.refresh(world["admin"])
    assert world["admin"].locale == "it" and world["admin"].role is Role.ADMIN


def test_a_token_sent_by_another_session_is_refused_too(app, db, world, client_as, client):
    """A token is bound to its session: one lifted from an attacker's own page is worthless."""
    attacker_token = form_token(client, "/accedi")
    victim = client_as(world["admin"])
    response = victim.post("/lingua", data={"lang": "en", "next": "/", "csrf_token": attacker_token})
    assert response.status_code == 400 and CSRF_REFUSAL in response.get_data(as_text=True)
    db.session.refresh(world["admin"])
    assert world["admin"].locale == "it"


def test_positive_control_the_same_post_with_its_token_is_accepted(app, db, world, client_as):
    """Without this, a route broken for every request would pass the refusal test above."""
    client = client_as(world["admin"])
    token = form_token(client, "/")
    response = client.post("/lingua", data={"lang": "en", "next": "/privacy", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/privacy")
    db.session.refresh(world["admin"])
    assert world["admin"].locale == "en"


def test_the_only_view_exempt_from_the_app_wide_check_is_the_one_click_unsubscribe(app):
    """RFC 8058: a mail program's "unsubscribe" button POSTs `List-Unsubscribe=One-Click` with no
    cookie, so no token; the signed token in the URL is the proof instead. That view still checks
    the token for its own page's form (the walk above sends it no one-click body, and gets the 400).
    Any other exemption must be added here, deliberately, with its reason."""
    from engage.extensions import csrf

    assert csrf._exempt_views == {"engage.notifications.views.unsubscribe"}
