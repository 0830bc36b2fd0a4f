"""Who gets which answer from every page: the whole GET surface, person by person.

EXPECTED below is read from the code (engage/auth/permissions.py and the views) and then
checked against what a public participation platform must do. Its keys are the app's GET
routes, found by walking the URL map (an endpoint with two URLs, like the admin's "new" and
"edit" pages, is listed once per URL); a route added without a row here fails
`test_the_table_covers_every_get_route`. Keys ending in " @draft" call the same route on a
consultation that is still a draft (and on a proposal inside it): drafts are for their
institution's staff and the admins only.

The world: the Provincia di Cremona runs a consultation open for proposals. The citizen wrote
a proposal there (no supports or comments yet, so it is still editable), a comment in its general
discussion (a minute ago, so still editable), and a second proposal that a moderator hid (so it
can be appealed; its moderation case is the one the case page shows). The Provincia also has a
draft consultation with a proposal in it, written by someone else. The open consultation has
a published questionnaire (open now, one question of every kind); the draft has an
unpublished one.

The seven people, in the order of every tuple:
    anonymous; citizen (confirmed, the author above); blocked citizen (blocked by a moderator,
    still holding a session: defence in depth, since a block also ends the sessions it finds);
    officer of another institution (Comune di Cremona); officer of this institution (Provincia);
    moderator; admin.

Answers: 200; LOGIN (302 to the sign-in page); HOME (302 to the home page: already signed in);
403 (refused); 409 (not possible now: the refused page); 404.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from engage.accountability import services as answers
from engage.accountability.models import AnswerStatus
from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.moderation import services as moderation
from engage.moderation.models import ReportReason
from engage.results.models import ReportDelivery
from tests.factories import institution, make_comment, make_consultation, make_proposal, make_user, priority_point
from tests.security.questionnaire_world import make_questionnaire
from tests.security.test_no_500s import ASSET_ENDPOINTS

PEOPLE = ("anonymous", "citizen", "blocked", "officer_elsewhere", "officer_here", "moderator", "admin")

LOGIN = "302 /accedi"
HOME = "302 /"

EVERYONE = (200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = (LOGIN, 200, 200, 200, 200, 200, 200)
ADMINS = (LOGIN, 403, 403, 403, 403, 403, 200)
DRAFT_STAFF = (LOGIN, 403, 403, 403, 200, 403, 200)
STAFF = DRAFT_STAFF  # the consultation's own officers and the admins, whatever its phase
# The open data API answers everybody as a visitor who is not signed in: a draft, or results
# not public yet, are not there for anybody, staff included (they have the pages).
NOBODY = (404, 404, 404, 404, 404, 404, 404)
# A comment's lasting address sends whoever may read its discussion there (filled in per world).
TO_DISCUSSION = "302 /consultazioni/{consultation_id}/discussione"

EXPECTED = {
    #                                              anon   citizen blocked elsewh here   moder  admin
    # Answering (and following up) the accepted proposal of the closed consultation: its institution only.
    "accountability.answer":                       STAFF,
    # Open data: the API and the downloads.
    "api-docs.openapi_json":                       EVERYONE,
    "api.index":                                   EVERYONE,
    "api.axes":                                    EVERYONE,
    "api.priority_points":                         EVERYONE,
    "api.institutions":                            EVERYONE,
    "api.comuni":                                  EVERYONE,
    "api.consultations":                           EVERYONE,
    "api.consultation":                            EVERYONE,
    "api.consultation @draft":                     NOBODY,
    "api.consultation_proposals":                  EVERYONE,
    "api.consultation_proposals @draft":           NOBODY,
    "api.consultation_comments":                   EVERYONE,
    "api.consultation_comments @draft":            NOBODY,
    "api.consultation_questionnaires":             EVERYONE,
    "api.consultation_questionnaires @draft":      NOBODY,
    # Proposals are open: results and the ledger's head are public once voting opens.
    "api.consultation_results":                    NOBODY,
    "api.consultation_results @draft":             NOBODY,
    "api.consultation_ledger":                     NOBODY,
    "api.consultation_ledger @draft":              NOBODY,
    "api.proposal":                                EVERYONE,
    "api.proposal @draft":                         NOBODY,
    "api.proposal_comments":                       EVERYONE,
    "api.proposal_comments @draft":                NOBODY,
    # The questionnaire is still open: its aggregates are public once it closes.
    "api.questionnaire_results":                   NOBODY,
    "api.questionnaire_results @draft":            NOBODY,
    "opendata.index":                              EVERYONE,
    "opendata.api_docs":                           EVERYONE,
    "opendata.download":                           EVERYONE,
    "opendata.download @draft":                    NOBODY,
    "accountability.awaiting":                     EVERYONE,
    "accountability.progress":                     STAFF,
    "admin.axes":                                  ADMINS,
    "admin.edit_axis /admin/assi/<int:axis_id>":   ADMINS,
    "admin.edit_axis /admin/assi/nuovo":           ADMINS,
    "admin.edit_institution /admin/enti/<int:institution_id>": ADMINS,
    "admin.edit_institution /admin/enti/nuovo":    ADMINS,
    "admin.edit_priority_point /admin/punti/<int:point_id>": ADMINS,
    "admin.edit_priority_point /admin/punti/nuovo": ADMINS,
    "admin.index":                                 ADMINS,
    "admin.institutions":                          ADMINS,
    "admin.priority_points":                       ADMINS,
    "admin.user":                                  ADMINS,
    "admin.users":                                 ADMINS,
    "auth.change_email":                           SIGNED_IN,
    "auth.change_password":                        SIGNED_IN,
    "auth.delete_account":                         SIGNED_IN,
    "auth.download_data":                          SIGNED_IN,
    "auth.forgot_password":                        EVERYONE,
    "auth.login":                                  (200,   HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "auth.profile":                                SIGNED_IN,
    "auth.register":                               (200,   HOME,  HOME,  HOME,  HOME,  HOME,  HOME),
    "comments.edit":                               (LOGIN, 200,   403,   403,   403,   403,   403),
    "comments.show":                               (TO_DISCUSSION,) * 7,
    "comments.show @draft":                        (LOGIN, 403, 403, 403, TO_DISCUSSION, 403, TO_DISCUSSION),
    "consultations.create":                        (LOGIN, 403,   403,   200,   200,   403,   200),
    "consultations.detail":                        EVERYONE,
    "consultations.detail @draft":                 DRAFT_STAFF,
    "consultations.discussion":                    EVERYONE,
    "consultations.discussion @draft":             DRAFT_STAFF,
    "consultations.edit":                          (LOGIN, 403,   403,   403,   200,   403,   200),
    "consultations.edit @draft":                   DRAFT_STAFF,
    "consultations.index":                         EVERYONE,
    "health.healthz":                              EVERYONE,
    "institutions.detail":                         EVERYONE,
    "institutions.index":                          EVERYONE,
    "masterplan.accessibility":                    EVERYONE,
    "masterplan.home":                             EVERYONE,
    "masterplan.priority_point":                   EVERYONE,
    "masterplan.privacy":                          EVERYONE,
    "moderation.appeal":                           (LOGIN, 200,   403,   403,   403,   403,   403),
    "moderation.audit":                            ADMINS,
    "moderation.blocked":                          (LOGIN, 403,   403,   403,   403,   200,   200),
    "moderation.case":                             (LOGIN, 403,   403,   403,   200,   200,   200),
    "moderation.queue":                            (LOGIN, 403,   403,   200,   200,   200,   200),
    # The citizen cannot report what they wrote; a blocked person cannot report at all.
    "moderation.report":                           (LOGIN, 403,   403,   200,   200,   200,   200),
    # Reporting a proposal means reading it: nobody outside the draft's staff may.
    "moderation.report @draft":                    DRAFT_STAFF,
    "moderation.transparency":                     EVERYONE,
    "notifications.index":                         SIGNED_IN,
    # The ledger goes with the results: public from voting on, before that for the institution.
    "ledger.ledger":                               STAFF,
    "ledger.ledger @draft":                        DRAFT_STAFF,
    "ledger.ledger_csv":                           STAFF,
    "ledger.ledger_csv @draft":                    DRAFT_STAFF,
    "ledger.ledger_json":                          STAFF,
    "ledger.ledger_json @draft":                   DRAFT_STAFF,
    "ledger.receipts":                             SIGNED_IN,
    "ledger.verifier":                             EVERYONE,
    "notifications.preferences":                   SIGNED_IN,
    # The blocked citizen gets the "not possible" page (409), as for every participation refusal.
    "proposals.create":                            (LOGIN, 200,   409,   200,   200,   200,   200),
    # In a draft nobody may propose yet: staff see why (409), others may not even look.
    "proposals.create @draft":                     (LOGIN, 403,   403,   403,   409,   403,   409),
    "proposals.detail":                            EVERYONE,
    "proposals.detail @draft":                     DRAFT_STAFF,
    "proposals.edit":                              (LOGIN, 200,   403,   403,   403,   403,   403),
    "proposals.edit @draft":                       (LOGIN, 403,   403,   403,   403,   403,   403),
    "proposals.index":                             EVERYONE,
    "proposals.index @draft":                      DRAFT_STAFF,
    # The consultation's published questionnaire is open now; the draft's is unpublished.
    "questionnaires.add_question":                 STAFF,
    "questionnaires.build":                        STAFF,
    "questionnaires.build @draft":                 DRAFT_STAFF,
    "questionnaires.create":                       STAFF,
    "questionnaires.create @draft":                DRAFT_STAFF,
    "questionnaires.detail":                       EVERYONE,
    "questionnaires.detail @draft":                DRAFT_STAFF,
    "questionnaires.edit":                         STAFF,
    "questionnaires.edit_question":                STAFF,
    # Rows with comune and age band are for the institution only.
    "questionnaires.export":                       STAFF,
    "questionnaires.export @draft":                DRAFT_STAFF,
    "questionnaires.preview":                      STAFF,
    "questionnaires.preview @draft":               DRAFT_STAFF,
    # Results are live for staff only while the questionnaire is open.
    "questionnaires.results":                      STAFF,
    "questionnaires.results @draft":               DRAFT_STAFF,
    "questionnaires.texts":                        STAFF,
    # Results: the open consultation still takes proposals, so its results (page, downloads, PDF) are
    # its staff's until voting opens; a point's and an axis' (across public consultations) are
    # everybody's; the reports sent to the institution are its staff's.
    "results.axis":                                EVERYONE,
    "results.axis_export":                         EVERYONE,
    "results.consultation":                        STAFF,
    "results.consultation @draft":                 DRAFT_STAFF,
    "results.consultation_export":                 STAFF,
    "results.consultation_export @draft":          DRAFT_STAFF,
    "results.priority_point":                      EVERYONE,
    "results.priority_point_export":               EVERYONE,
    "results.report":                              STAFF,
    "results.report @draft":                       DRAFT_STAFF,
    "results.reports":                             STAFF,
    "results.reports @draft":                      DRAFT_STAFF,
    "results.stored_report":                       STAFF,
}

SKIPPED_ENDPOINTS = ASSET_ENDPOINTS
DRAFT = " @draft"
DRAFT_TITLE = "Bozza riservata del piano neve"
DRAFT_PROPOSAL_TITLE = "Proposta nella bozza riservata"


def get_routes(app) -> dict[str, object]:
    """Route key -> rule, for every GET rule a person can open from a link (no e-mailed tokens)."""
    rules = [rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and rule.endpoint not in SKIPPED_ENDPOINTS and "token" not in rule.arguments]
    per_endpoint: dict[str, int] = {}
    for rule in rules:
        per_endpoint[rule.endpoint] = per_endpoint.get(rule.endpoint, 0) + 1
    return {rule.endpoint if per_endpoint[rule.endpoint] == 1 else f"{rule.endpoint} {rule.rule}": rule
            for rule in rules}


@pytest.fixture
def world(db):
    provincia = institution("provincia-cremona")
    people = {
        "citizen": make_user(),
        "blocked": make_user(),
        "officer_elsewhere": make_user(officer_of=institution("comune-cremona")),
        "officer_here": make_user(officer_of=provincia),
        "moderator": make_user(Role.MODERATOR),
        "admin": make_user(Role.ADMIN),
    }
    moderation.block(people["moderator"], people["blocked"], "Spam ripetuto.", None)
    consultation = make_consultation(Phase.PROPOSALS)
    assert consultation.institution is provincia
    proposal = make_proposal(consultation, people["citizen"])
    comment = make_comment(consultation=consultation, author=people["citizen"])
    hidden = make_proposal(consultation, people["citizen"])
    moderation.report(make_user(), hidden, ReportReason.OFFENSIVE)
    case = moderation.case_for(hidden, create=False)
    moderation.hide(people["moderator"], case, ReportReason.OFFENSIVE)
    closed = make_consultation(Phase.CLOSED)  # voting is over: the Provincia answers, and accepted this one
    answered = make_proposal(closed, people["citizen"])
    answers.answer_proposal(people["officer_here"], answered, status=AnswerStatus.ACCEPTED, body_it="Accolta.")
    draft = make_consultation(Phase.DRAFT, title_it=DRAFT_TITLE)
    draft_proposal = make_proposal(draft, make_user(), title=DRAFT_PROPOSAL_TITLE)
    draft_comment = make_comment(consultation=draft, author=make_user())
    questionnaire = make_questionnaire(consultation)
    draft_questionnaire = make_questionnaire(draft, published=False)
    delivery = ReportDelivery(consultation_id=consultation.id, phase="proposals", pdf=b"%PDF-1.7 as sent",
                              sha256="0" * 64, recipients="")  # a report sent earlier: served as stored
    db.session.add(delivery)
    point = priority_point(1)
    db.session.commit()  # a refused request rolls the session back: setup must survive it
    public = {"consultation_id": consultation.id, "proposal_id": proposal.id, "comment_id": comment.id,
              "case_id": case.id, "user_id": people["citizen"].id, "institution_id": provincia.id,
              "axis_id": point.axis_id, "point_id": point.id, "kind": "proposta", "item_id": proposal.id,
              "questionnaire_id": questionnaire.id, "question_id": questionnaire.questions[1].id, "fmt": "csv"}
    return {
        "people": people,
        "arguments": public,
        "drafted": {**public, "consultation_id": draft.id, "proposal_id": draft_proposal.id,
                    "item_id": draft_proposal.id, "questionnaire_id": draft_questionnaire.id,
                    "comment_id": draft_comment.id,
                    "question_id": draft_questionnaire.questions[1].id},
        # Arguments that mean something else on one route.
        "per_route": {
            "moderation.appeal": {"item_id": hidden.id},
            "institutions.detail": {"slug": provincia.slug},
            "masterplan.priority_point": {"slug": point.slug},
            "results.priority_point": {"slug": point.slug},
            "results.priority_point_export": {"slug": point.slug, "table": "proposte"},
            "results.axis": {"slug": point.axis.slug},
            "results.axis_export": {"slug": point.axis.slug, "table": "commenti", "fmt": "json"},
            "results.consultation_export": {"table": "sintesi"},
            "opendata.download": {"table": "proposte"},
            "results.stored_report": {"delivery_id": delivery.id},
            "accountability.answer": {"proposal_id": answered.id},
            "accountability.progress": {"proposal_id": answered.id},
            "accountability.awaiting": {"slug": provincia.slug},
        },
    }


def url_for_key(app, world, key: str) -> str:
    route = key.removesuffix(DRAFT)
    rule = get_routes(app)[route]
    values = {**world["drafted" if key.endswith(DRAFT) else "arguments"],
              **world["per_route"].get(rule.endpoint, {})}
    needed = set(rule.arguments) - set(rule.defaults or {})
    missing = needed - set(values)
    assert not missing, f"{key}: no value for {sorted(missing)}; add it to the world fixture"
    return rule.build({name: values[name] for name in needed}, append_unknown=False)[1]


def outcome(response):
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} {urlsplit(response.headers['Location']).path}"
    return response.status_code


@pytest.fixture
def clients(app, world, client_as):
    return {"anonymous": app.test_client(),
            **{name: client_as(person) for name, person in world["people"].items()}}


def test_the_table_covers_every_get_route(app):
    routes = set(get_routes(app))
    listed = {key.removesuffix(DRAFT) for key in EXPECTED}
    assert not routes - listed, f"GET routes with no row in EXPECTED: {sorted(routes - listed)}"
    assert not listed - routes, f"rows in EXPECTED for routes that no longer exist: {sorted(listed - routes)}"
    assert all(len(row) == len(PEOPLE) for row in EXPECTED.values())


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_who_gets_what(app, world, clients, key):
    url = url_for_key(app, world, key)
    observed = tuple(outcome(clients[person].get(url)) for person in PEOPLE)
    arguments = world["drafted" if key.endswith(DRAFT) else "arguments"]
    expected = [want.format(**arguments) if isinstance(want, str) else want for want in EXPECTED[key]]
    differences = [f"{person}: expected {want}, got {got}"
                   for person, want, got in zip(PEOPLE, expected, observed, strict=True) if want != got]
    assert not differences, f"GET {url} ({key}):\n  " + "\n  ".join(differences)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_no_page_shows_a_draft_to_people_outside_its_institution(app, world, clients, key):
    """Whatever the status, the words of a draft never reach a page outside its staff."""
    url = url_for_key(app, world, key)
    for person in ("anonymous", "citizen", "blocked", "officer_elsewhere", "moderator"):
        body = clients[person].get(url).get_data()  # bytes: some answers are files (the data export)
        leaked = [title for title in (DRAFT_TITLE, DRAFT_PROPOSAL_TITLE) if title.encode() in body]
        assert not leaked, f"GET {url} shows {leaked} to {person}"


def test_staff_do_see_the_draft(app, world, clients):
    """The leak test above would pass on a page that shows nothing at all: it does show, to staff."""
    for person in ("officer_here", "admin"):
        assert DRAFT_TITLE in clients[person].get(url_for_key(app, world, "consultations.detail @draft")) \
            .get_data(as_text=True)
        assert DRAFT_PROPOSAL_TITLE in clients[person].get(url_for_key(app, world, "proposals.detail @draft")) \
            .get_data(as_text=True)


def test_a_block_ends_the_session_the_person_already_had(app, db, client_as):
    """Why the blocked column is defence in depth: a real blocked person is signed out at once."""
    citizen, moderator = make_user(), make_user(Role.MODERATOR)
    db.session.commit()
    browser = client_as(citizen)
    assert browser.get("/profilo").status_code == 200
    moderation.block(moderator, citizen, "Spam ripetuto.", None)
    db.session.commit()
    assert outcome(browser.get("/profilo")) == LOGIN
