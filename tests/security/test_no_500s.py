"""Whatever people (or robots) send, the answer is never a 5xx.

Every form is posted with a valid CSRF token and, one field at a time, each value of a corpus of
nasty inputs (empty, NUL bytes, invalid UTF-8, huge and non-ASCII digits, very long text, dates at
the ends of the calendar, markup, emoji...) while the other fields keep valid values, so that the
nasty value travels as far into the code as it can; then with every field nasty at once. Every list
page gets the same treatment in its query parameters. A 5xx fails the test, which lists each bad
input with the exception the app logged.

This file is the deterministic half: a fixed corpus plus, for each field, one value (text or
number) drawn from a seeded random generator, bounded so that the whole file runs in under a
minute. test_hypothesis_fuzz.py is the other half: Hypothesis strategies build whole requests
(fields kept, dropped or random, several at once, URL-encoded or multipart, from three kinds of
visitor) from the same FORMS, world and URL arguments.

The forms are listed by hand (which fields, with which valid values), but the list is checked
against the URL map: a new POST route without an entry here fails `test_every_post_route_is_fuzzed`.
"""
from __future__ import annotations

import logging
import random
import traceback
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from engage.accountability import services as answers
from engage.accountability.models import AnswerStatus
from engage.auth import services as accounts
from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.core.tokens import make_token
from engage.moderation import services as moderation
from engage.moderation.models import ReportReason
from engage.results.models import ReportDelivery
from tests.factories import (PASSWORD, comune_named, form_token, institution, make_comment, make_consultation,
                             make_proposal, make_user, priority_point)
from tests.security.questionnaire_world import make_questionnaire

# The corpus: each value is sent to every field and every query parameter.
CORPUS = [
    "",
    "   ",
    "nul\x00byte",                      # early: some forms accept only one valid submission
    "0",
    "-1",
    "99999999999999999999",            # past any 64-bit integer column
    "9" * 5000,                         # digits, but more than int() accepts
    "²",                                # str.isdigit() is True, int() refuses it
    b"\xff\xfe\xc3( invalid utf-8",     # sent as raw bytes
    "x" * 100_000,                      # very long
    "🙂 Ωμέγα ü 漢字 \u202eRTL \u200b",
    "<script>alert(1)</script>' OR 1=1; --",
    "0001-01-01T00:00",                 # the first and last moments a datetime can hold
    "9999-12-31T23:59",
    "//evil.example/%0d%0aSet-Cookie: x=1",
]
ALPHABET = ("abcxyz AZ09-_.'\"\\%&=;:/<>()[]{}\t\n\r\x00\x01\x7f\x85"
            "àèéìòùçÀÉß€£¥©®™ΩЖאب中文日本語한국어\u0301\u200b\u200d\u202e\u2028\ufeff\ufffd🙂👩‍👩‍👧𝔘")


def drawn(seed: str, count: int = 1) -> list[str]:
    """Random text and numbers, the same on every run (a seeded generator)."""
    rng = random.Random(seed)
    values = []
    for _ in range(count):
        if rng.random() < 0.3:
            values.append(str(rng.choice([-1, 1]) * rng.randrange(10 ** rng.randrange(1, 30))))
        else:
            values.append("".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 400))))
    return values


# What a list page reads from its query string.
QUERY_PARAMETERS = ("stato", "punto", "asse", "ente", "comune", "q", "ordine", "pagina", "motivo",
                    "consultazione", "rispondi", "per", "tipo", "risposta")
LIST_ROUTES = {
    "consultations.index": ("stato", "punto", "asse", "ente"),
    "proposals.index": ("stato", "punto", "comune", "q", "ordine", "pagina", "risposta"),
    "consultations.discussion": ("rispondi",),
    "proposals.detail": ("rispondi",),
    "moderation.queue": ("consultazione", "motivo", "pagina"),
    "moderation.audit": ("pagina", "formato"),
    "admin.users": ("q", "page"),
    "questionnaires.results": ("per",),
    "questionnaires.texts": ("pagina",),
    "questionnaires.add_question": ("tipo",),
}
PUBLIC_LIST_ROUTES = ("consultations.index", "proposals.index", "consultations.discussion", "proposals.detail")


@dataclass
class Form:
    """A form: who sends it, and a valid value for each of its fields ("{n}": a counter)."""

    fields: dict[str, str] = field(default_factory=dict)
    who: str = "admin"
    twins: tuple[str, ...] = ()  # fields that must repeat each other (a password and its confirmation)
    shapes: dict[str, str] = field(default_factory=dict)  # also sent inside this shape: "dismiss:{v}"
    refused: bool = False  # its valid values are still refused, on purpose (a wrong password...)


def _later(days: int) -> str:
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _consultation_fields(with_institution: bool) -> dict:
    fields = {"title_it": "Consultazione {n}", "title_en": "", "summary_it": "Sintesi.", "summary_en": "",
              "body_it": "Testo **forte**.", "body_en": "", "priority_points": "@point",
              "announced_at": _later(-1), "proposals_from": _later(1), "voting_from": _later(10),
              "voting_until": _later(20), "results_at": "", "supports_per_participant": "3",
              "proposals_per_participant": "2", "support_threshold": "10", "premoderate_proposals": "",
              "comments_enabled": "y"}
    return {"institution": "@provincia", **fields} if with_institution else fields


AXIS = {"title_it": "Asse {n}", "title_en": "", "description_it": "Descrizione.", "description_en": "", "slug": ""}
POINT = {"number": "42", "axis": "@axis", "title_it": "Punto {n}", "title_en": "", "description_it": "Descrizione.",
         "description_en": "", "pnrr_missions": "M1", "institutions": "@provincia", "inferred": "",
         "provenance": "Prova.", "slug": ""}
INSTITUTION = {"name": "Ente {n}", "kind": "agency", "role_it": "Ruolo.", "role_en": "", "is_lead": "",
               "membership_verified": "y", "slug": ""}
PROPOSAL = {"title": "Pista ciclabile {n}", "body": "Collegare le frazioni al centro.", "priority_point": "@point",
            "comune": "@crema", "similar_checked": "1", "publish": "1"}
NEW_PASSWORD = ("password", "password_again")
QUESTIONNAIRE = {"title_it": "Questionario {n}", "title_en": "", "intro_it": "Grazie.", "intro_en": "",
                 "open_phase": "proposals", "anonymous": ""}
QUESTION = {"text_it": "Domanda {n}?", "text_en": "", "help_it": "", "help_en": "", "required": "y",
            "options_it": "Uno\nDue\nTre", "options_en": "", "has_other": "y", "min_choices": "1",
            "max_choices": "2", "low_label_it": "", "low_label_en": "", "high_label_it": "", "high_label_en": ""}

ANSWER = {"status": "accepted", "body_it": "La Provincia accoglie la proposta {n}.", "body_en": "Accepted {n}.",
          "cost_estimate": "12500", "responsible_office": "Settore Viabilità"}
MILESTONE = {"reached_on": (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d"), "progress": "40",
             "note_it": "Lavori avviati {n}.", "note_en": ""}

FORMS = {
    # On the accepted proposal of the closed consultation ("answered" in the world).
    "accountability.answer": Form(ANSWER),
    "accountability.progress": Form(MILESTONE),
    "admin.add_officer": Form({"institution": "@provincia"}),
    "admin.edit_axis /admin/assi/<int:axis_id>": Form(AXIS),
    "admin.edit_axis /admin/assi/nuovo": Form(AXIS),
    "admin.edit_institution /admin/enti/<int:institution_id>": Form(INSTITUTION),
    "admin.edit_institution /admin/enti/nuovo": Form(INSTITUTION),
    "admin.edit_priority_point /admin/punti/<int:point_id>": Form(POINT),
    "admin.edit_priority_point /admin/punti/nuovo": Form(POINT),
    "admin.move_axis": Form({"direction": "up"}),
    "admin.move_institution": Form({"direction": "up"}),
    "admin.move_priority_point": Form({"direction": "down"}),
    "admin.remove_officer": Form({"next": "/"}),
    "admin.set_role": Form({"role": "moderator"}),
    "auth.change_email": Form({"email": "nuova{n}@example.org", "password": PASSWORD}),
    "auth.change_password": Form({"current_password": PASSWORD, "password": "una password nuova",
                                  "password_again": "una password nuova"}, twins=NEW_PASSWORD),
    # Never the right password: the admin must survive the test.
    "auth.delete_account": Form({"password": "non è la password"}, refused=True),
    "auth.forgot_password": Form({"email": "@citizen_email"}, who="anonymous"),
    # A real account with a wrong password (an unknown address costs a full-strength dummy hash).
    "auth.login": Form({"email": "@citizen_email", "password": "sbagliata", "remember": "y"}, who="anonymous",
                       refused=True),
    "auth.logout": Form({"next": "/"}),
    "auth.profile": Form({"display_name": "Amministratrice", "comune": "@crema", "age_band": "30_44",
                          "locale": "it"}),
    "auth.register": Form({"email": "persona{n}@example.org", "password": "una password lunga",
                           "password_again": "una password lunga", "display_name": "Persona {n}",
                           "comune": "@crema", "age_band": "", "privacy": "y"},
                          who="anonymous", twins=NEW_PASSWORD),
    "auth.resend_confirmation": Form({"next": "/profilo"}),
    "auth.reset_password": Form({"password": "una password nuova", "password_again": "una password nuova"},
                                who="anonymous", twins=NEW_PASSWORD),
    "auth.set_language": Form({"lang": "en", "next": "/privacy"}),
    "comments.delete": Form({"next": "/"}),
    "comments.edit": Form({"body": "Commento corretto {n}."}),
    "comments.on_consultation": Form({"body": "Un commento {n}.", "stance": "in_favour", "parent_id": ""}),
    "comments.on_proposal": Form({"body": "Un commento {n}.", "stance": "against", "parent_id": ""}),
    "comments.vote": Form({"value": "up"}),
    "consultations.create": Form(_consultation_fields(with_institution=True)),
    "consultations.edit": Form(_consultation_fields(with_institution=False)),
    "consultations.follow": Form({"follow": "1"}),
    "consultations.move_phase": Form({"phase": "voting"}),
    # The bulk path by default ("single" empty); "single" is also fuzzed in its "action:case id" shape.
    "moderation.act": Form({"single": "", "bulk_action": "dismiss", "case_ids": "@case", "reason": "spam",
                            "note": "Nota."}, shapes={"single": "dismiss:{v}"}),
    "moderation.appeal": Form({"message": "Il testo rispetta le regole {n}."}),
    "moderation.block": Form({"reason": "Spam ripetuto.", "days": "7", "permanent": "", "case_id": "@case"}),
    "moderation.decide": Form({"action": "dismiss", "reason": "spam", "note": "Nota."}),
    "moderation.report": Form({"reason": "spam", "details": "Pubblicità."}),
    "moderation.unblock": Form({"next": "/"}),
    "notifications.preferences": Form({"answer": "daily", "reply": "off", "phase": "immediate",
                                       "moderation": "immediate"}),
    # The unsubscribe page's form (with its CSRF token), and the RFC 8058 one-click body; the URL's
    # token is a live one for the admin (url_arguments).
    "notifications.unsubscribe": Form({"List-Unsubscribe": "One-Click"}, who="anonymous"),
    "proposals.create": Form(PROPOSAL),
    "proposals.edit": Form({**PROPOSAL, "save": "1"}),
    "proposals.follow": Form({"follow": "1", "next": "/"}),
    "proposals.support": Form({"next": "/"}, refused=True),  # the consultation is not voting yet
    "proposals.withdraw": Form({"next": "/"}),
    "proposals.withdraw_support": Form({"next": "/"}, refused=True),
    "questionnaires.add_question": Form({"kind": "multiple", **QUESTION}),
    "questionnaires.create": Form(QUESTIONNAIRE),
    "questionnaires.delete": Form({}),
    "questionnaires.delete_question": Form({}),
    # Field names starting with "@" are the questionnaire's own (q<id>...), resolved per world.
    "questionnaires.detail": Form({"action": "submit", "@single": "@single_option", "@other": "",
                                   "@multiple": "@multiple_option", "@scale": "3", "@rank1": "1", "@rank2": "2",
                                   "@rank3": "3", "@short": "Cremona {n}", "@long": "Più alberi {n}."}),
    "questionnaires.edit": Form(QUESTIONNAIRE),
    "questionnaires.edit_question": Form(QUESTION),
    "questionnaires.move_question": Form({"direction": "up"}),
    "questionnaires.publish": Form({"publish": "1"}),
    # The report of the world's consultation, made again (a PDF each time) and announced to its officers.
    "results.regenerate": Form({}),
}


def route_keys(app, methods: set[str], skip=()) -> dict[str, object]:
    """Route key -> rule; an endpoint with two URLs gets one key per URL."""
    rules = [rule for rule in app.url_map.iter_rules()
             if set(rule.methods) & methods and rule.endpoint not in skip]
    count: dict[str, int] = {}
    for rule in rules:
        count[rule.endpoint] = count.get(rule.endpoint, 0) + 1
    return {rule.endpoint if count[rule.endpoint] == 1 else f"{rule.endpoint} {rule.rule}": rule for rule in rules}


@pytest.fixture
def world(db):
    admin = make_user(Role.ADMIN, display_name="Amministratrice")
    moderator = make_user(Role.MODERATOR)
    citizen = make_user(officer_of=institution("comune-cremona"))
    consultation = make_consultation(Phase.PROPOSALS)
    mine = make_proposal(consultation, admin)                       # editable: no supports, no comments
    theirs = make_proposal(consultation, citizen)
    my_comment = make_comment(consultation=consultation, author=admin)
    their_comment = make_comment(theirs, author=citizen)
    moderation.report(make_user(), theirs, ReportReason.SPAM)
    case = moderation.case_for(theirs, create=False)
    hidden = make_proposal(consultation, admin)
    moderation.hide(moderator, moderation.case_for(hidden), ReportReason.OFF_TOPIC)
    point = priority_point(1)
    questionnaire = make_questionnaire(consultation)  # open now, nobody has answered yet
    delivery = ReportDelivery(consultation_id=consultation.id, phase="proposals", pdf=b"%PDF-1.7 as sent",
                              sha256="0" * 64, recipients="")  # a report sent earlier: served as stored
    db.session.add(delivery)
    closed = make_consultation(Phase.CLOSED)  # voting is over: the Provincia accepted this proposal
    answered = make_proposal(closed, citizen)
    answers.answer_proposal(admin, answered, status=AnswerStatus.ACCEPTED, body_it="Accolta.")
    db.session.commit()  # a refused request rolls the session back: setup must survive it
    return {"admin": admin, "citizen": citizen, "consultation": consultation, "mine": mine, "theirs": theirs,
            "my_comment": my_comment, "their_comment": their_comment, "case": case, "hidden": hidden,
            "point": point, "provincia": institution("provincia-cremona"), "comune": institution("comune-cremona"),
            "questionnaire": questionnaire, "questionnaire_names": questionnaire_names(questionnaire),
            "question_id": questionnaire.questions[2].id,  # multiple choice: every setting applies
            "answered": answered, "delivery": delivery}


# Files served as they are (stylesheets, scripts, the typeface): no parameters, no database, no pages.
ASSET_ENDPOINTS = frozenset({"static", "bootstrap.static", "fonts.font"})


def url_arguments(world, endpoint: str) -> dict:
    citizen = world["citizen"]
    values = {
        "consultation_id": world["consultation"].id, "proposal_id": world["mine"].id,
        "comment_id": world["my_comment"].id, "case_id": world["case"].id, "user_id": citizen.id,
        "institution_id": world["comune"].id, "axis_id": world["point"].axis_id,
        "point_id": world["point"].id, "kind": "proposta", "item_id": world["theirs"].id,
        "questionnaire_id": world["questionnaire"].id, "question_id": world["question_id"], "fmt": "csv",
        # A live reset link (it changes with the password, so it is made afresh each time).
        "token": make_token(accounts.RESET_PURPOSE, {"uid": citizen.id, "pw": citizen.password_hash[-16:]}),
    }
    values.update({
        "proposals.support": {"proposal_id": world["theirs"].id},
        "proposals.follow": {"proposal_id": world["theirs"].id},
        "proposals.withdraw_support": {"proposal_id": world["theirs"].id},
        "comments.on_proposal": {"proposal_id": world["theirs"].id},
        "comments.vote": {"comment_id": world["their_comment"].id},
        "moderation.appeal": {"item_id": world["hidden"].id},
        "institutions.detail": {"slug": world["provincia"].slug},
        "masterplan.priority_point": {"slug": world["point"].slug},
        "results.priority_point": {"slug": world["point"].slug},
        "results.priority_point_export": {"slug": world["point"].slug, "table": "proposte"},
        "results.axis": {"slug": world["point"].axis.slug},
        "results.axis_export": {"slug": world["point"].axis.slug, "table": "commenti"},
        "results.consultation_export": {"table": "sintesi"},
        "opendata.download": {"table": "commenti", "fmt": "json"},
        "results.stored_report": {"delivery_id": world["delivery"].id},
        "notifications.unsubscribe": {"token": make_token("unsubscribe", {"uid": world["admin"].id,
                                                                         "topic": "reply"})},
        "accountability.answer": {"proposal_id": world["answered"].id},
        "accountability.progress": {"proposal_id": world["answered"].id},
        "accountability.awaiting": {"slug": world["provincia"].slug},
    }.get(endpoint, {}))
    return values


def build(rule, values) -> str:
    needed = set(rule.arguments) - set(rule.defaults or {})
    missing = needed - set(values)
    assert not missing, f"{rule.endpoint}: no value for {sorted(missing)}; add it to url_arguments()"
    return rule.build({name: values[name] for name in needed}, append_unknown=False)[1]


def baseline(world, form: Form, n: int) -> dict:
    """The form's valid values, references ("@point") resolved, counters ("{n}") filled."""
    references = {
        "@point": str(world["point"].id), "@axis": str(world["point"].axis_id),
        "@provincia": str(world["provincia"].id), "@crema": str(comune_named("Crema").id),
        "@case": str(world["case"].id),
        "@citizen_email": world["citizen"].email,
    }
    return named(world, {name: references.get(value, value.replace("{n}", str(n)))
                         for name, value in form.fields.items()})


def questionnaire_names(questionnaire) -> dict:
    """What "@single", "@rank1", "@single_option"... stand for in this world's questionnaire."""
    single, multiple, scale, ranking, short, long_ = questionnaire.questions[1:7]  # after the section
    return {"@single": single.field_name, "@other": f"{single.field_name}_other", "@multiple": multiple.field_name,
            "@scale": scale.field_name, "@short": short.field_name, "@long": long_.field_name,
            **{f"@rank{i}": f"{ranking.field_name}_o{option.id}" for i, option in enumerate(ranking.options, 1)},
            "@single_option": str(single.options[0].id), "@multiple_option": str(multiple.options[0].id)}


def named(world, data: dict) -> dict:
    """Field names and values that stand for the questionnaire's own (q<id>, option ids)."""
    names = world.get("questionnaire_names", {})
    return {names.get(name, name): names.get(value, value) if isinstance(value, str) else value
            for name, value in data.items()}


def examples(key: str, form: Form):
    """(what is nasty, {field: value}) pairs: one field at a time, then all fields at once."""
    for name in form.fields:
        for value in CORPUS + drawn(f"{key}:{name}"):
            changed = dict.fromkeys(form.twins, value) if name in form.twins else {name: value}
            yield name, changed
            if name in form.shapes and isinstance(value, str):
                yield name, {name: form.shapes[name].replace("{v}", value)}
    for value in CORPUS:
        yield "every field", dict.fromkeys(form.fields, value)


class Errors(logging.Handler):
    """What the app's error handler logs, summed up (exception, app line) to say why a request got a 5xx."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def take(self) -> str:
        records, self.records = self.records, []
        if not records:
            return "nothing logged"
        with_trace = [r for r in records if r.exc_info]
        if not with_trace:  # e.g. the 503 "database unavailable" handler logs a one-line message
            return records[-1].getMessage()[:200]
        _type, error, trace = with_trace[-1].exc_info
        app_frames = [frame for frame in traceback.extract_tb(trace) if "/engage/" in frame.filename]
        where = ""
        if app_frames:
            frame = app_frames[-1]
            where = f" at engage/{frame.filename.rsplit('/engage/', 1)[1]}:{frame.lineno}"
        return f"{type(error).__name__}{where}: {str(error).splitlines()[0][:140]}"


@pytest.fixture
def logged_errors():
    handler = Errors()
    logger = logging.getLogger("engage.core.errors")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def is_csrf_refusal(response) -> bool:
    return response.status_code == 400 and any(
        words.encode() in response.data for words in ("Il modulo è scaduto", "The form has expired"))


def short(value) -> str:
    text = repr(value)
    return text if len(text) <= 50 else f"{text[:40]}...({len(value)} long)"


def report(failures: list[str], total: int) -> str:
    shown = "\n  ".join(failures[:25])
    more = f"\n  ... and {len(failures) - 25} more" if len(failures) > 25 else ""
    return f"{len(failures)} of {total} requests answered 5xx:\n  {shown}{more}"


@pytest.fixture
def clients(app, world, client_as):
    return {"anonymous": app.test_client(), "admin": client_as(world["admin"])}


# --- Forms ------------------------------------------------------------------------------------

def test_every_post_route_is_fuzzed(app):
    routes = set(route_keys(app, {"POST", "PUT", "PATCH", "DELETE"}))
    assert not routes - set(FORMS), f"POST routes with no entry in FORMS: {sorted(routes - set(FORMS))}"
    assert not set(FORMS) - routes, f"FORMS entries for routes that no longer exist: {sorted(set(FORMS) - routes)}"


@pytest.mark.parametrize("key", sorted(FORMS))
def test_the_valid_values_of_each_form_are_accepted(app, world, clients, key):
    """The fuzzing below only goes deep if its baseline passes: this fails when a form drifts."""
    form, rule = FORMS[key], route_keys(app, {"POST"})[key]
    client = clients[form.who]
    data = {**baseline(world, form, 0), "csrf_token": form_token(client, "/")}
    response = client.post(build(rule, url_arguments(world, rule.endpoint)), data=data)
    if form.refused:
        assert 400 < response.status_code < 500
    else:
        assert response.status_code in (200, 302), f"{key}: the valid values got {response.status_code}"


@pytest.mark.parametrize("key", sorted(FORMS))
def test_a_form_never_answers_5xx(app, world, clients, logged_errors, key):
    form, rule = FORMS[key], route_keys(app, {"POST"})[key]
    client = clients[form.who]
    token = form_token(client, "/")
    failures, total, refused_tokens = [], 0, 0
    for n, (what, changed) in enumerate(examples(key, form)):
        data = {**baseline(world, form, n), **named(world, changed), "csrf_token": token}
        response = client.post(build(rule, url_arguments(world, rule.endpoint)), data=data)
        total += 1
        if response.status_code >= 500:
            value = next(iter(changed.values()))
            failures.append(f"{what}={short(value)} -> {response.status_code} ({logged_errors.take()})")
        elif is_csrf_refusal(response):
            refused_tokens += 1
            token = form_token(client, "/")  # e.g. a new session after signing out: a new token
    # The nasty values must reach the view, not stop at the token check.
    assert refused_tokens <= 2, f"{refused_tokens} of {total} posts were refused for their CSRF token"
    assert not failures, f"POST {rule.rule} ({key}): " + report(failures, total)


def test_a_form_body_with_broken_percent_encoding_is_not_a_5xx(app, world, clients, logged_errors):
    cases = [("anonymous", "/accedi"), ("admin", "/consultazioni/nuova"),
             ("admin", f"/consultazioni/{world['consultation'].id}/proposte/nuova"),
             ("admin", f"/consultazioni/{world['consultation'].id}/commenti"), ("admin", "/profilo")]
    failures = []
    for who, url in cases:
        client = clients[who]
        token = form_token(client, "/")
        for tail in ("title=%ZZ&body=%E0%A4%&email=%", "%%%&=&==&title_it=%C3%28&body=%ED%A0%80",
                     "display_name=%00%00&comune=%FF&priority_point=%2", "a=" + "%" * 5000):
            body = f"csrf_token={token}&{tail}".encode()
            response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
            if response.status_code >= 500 or response.status_code not in range(200, 500):
                failures.append(f"POST {url} {tail[:40]!r} -> {response.status_code} ({logged_errors.take()})")
    assert not failures, "\n".join(failures)


# --- Query strings ----------------------------------------------------------------------------

def test_every_list_route_exists(app):
    routes = set(route_keys(app, {"GET"}))
    assert set(LIST_ROUTES) <= routes, f"gone: {sorted(set(LIST_ROUTES) - routes)}"


@pytest.mark.parametrize("key", sorted(LIST_ROUTES))
def test_a_list_page_never_answers_5xx_whatever_its_query(app, world, clients, logged_errors, key):
    rule = route_keys(app, {"GET"})[key]
    url = build(rule, {**url_arguments(world, rule.endpoint), "proposal_id": world["theirs"].id})
    failures, total = [], 0
    queries = [(name, value, {name: value})
               for name in LIST_ROUTES[key] for value in CORPUS + drawn(f"{key}:{name}")]
    queries += [("every parameter", value, dict.fromkeys(QUERY_PARAMETERS + LIST_ROUTES[key], value))
                for value in CORPUS]
    for who in ("admin", "anonymous") if key in PUBLIC_LIST_ROUTES else ("admin",):
        for name, value, query in queries:
            response = clients[who].get(url, query_string=query)
            total += 1
            if response.status_code >= 500:
                failures.append(f"{who}: {name}={short(value)} -> {response.status_code} ({logged_errors.take()})")
    assert not failures, f"GET {url} ({key}): " + report(failures, total)


def test_no_get_route_answers_5xx_to_nasty_query_parameters(app, world, clients, logged_errors):
    """The pages that read no filters must not choke on them either (as the admin, who sees them all)."""
    routes = route_keys(app, {"GET"}, skip=ASSET_ENDPOINTS)
    failures, total = [], 0
    for key, rule in sorted(routes.items()):
        if key in LIST_ROUTES:
            continue
        url = build(rule, url_arguments(world, rule.endpoint))
        for value in ("nul\x00byte", "9" * 5000, "²", b"\xff\xfe", "x" * 10_000):
            response = clients["admin"].get(url, query_string=dict.fromkeys(QUERY_PARAMETERS + ("next",), value))
            total += 1
            if response.status_code >= 500:
                failures.append(f"GET {url} ({key}) with {short(value)} -> {response.status_code} "
                                f"({logged_errors.take()})")
    assert total > 100
    assert not failures, report(failures, total)


@pytest.mark.parametrize("path", ["/", "/consultazioni/", "/consultazioni/{id}/proposte", "/admin/utenti",
                                  "/moderazione/"])
def test_a_query_string_of_50000_characters_is_not_a_5xx(app, world, clients, logged_errors, path):
    url = path.format(id=world["consultation"].id)
    for query in ("q=" + "parola " * 7143, "q=" + "x" * 50_000, "&".join(f"p{i}=v" for i in range(8333))[:50_000]):
        assert len(query) >= 50_000 - 10
        response = clients["admin"].get(f"{url}?{query}")
        assert response.status_code == 200 or 400 <= response.status_code < 500, \
            f"GET {url}?{query[:30]}... -> {response.status_code} ({logged_errors.take()})"


def test_a_query_string_with_broken_percent_encoding_is_not_a_5xx(app, world, clients, logged_errors):
    url = f"/consultazioni/{world['consultation'].id}/proposte"
    for query in ("q=%ZZ&punto=%E0%A4%", "q=%&stato=%%%", "pagina=%FF%FE&ordine=%00", "%=%&=="):
        for client in clients.values():
            response = client.get(f"{url}?{query}")
            assert response.status_code < 500, f"GET {url}?{query} -> {response.status_code} ({logged_errors.take()})"
