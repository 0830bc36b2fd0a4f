"""Hostile text through the text fields added since test_stored_xss.py renders inert everywhere
it appears: questionnaires (wording, options, scale labels, free-text and "other" answers),
official answers and implementation milestones, result summaries with their CSV/JSON/XLSX
exports and the PDF report, and the notification e-mails that quote titles.

The corpus and the HTML check are the ones of test_stored_xss.py. On top of "nothing dangerous
on the page", every page check also asks that the payload is really there, escaped: a page that
silently dropped the field would otherwise pass without proving anything. Exports must keep the
text as data (JSON as given, CSV and XLSX with formula-like cells defused), the PDF must carry
the payload as literal text and no scripts, launch actions or javascript: links, and e-mails
are single-part text/plain whose headers cannot be split by a title.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from datetime import timedelta

import pytest
from markupsafe import escape
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject
from sqlalchemy import select

from engage.accountability import services as accountability
from engage.accountability.models import AnswerStatus
from engage.auth.models import Role
from engage.comments import services as comments
from engage.comments.models import Stance
from engage.consultations.phases import Phase
from engage.core.csvexport import FORMULA_STARTS
from engage.core.db import utcnow
from engage.extensions import db
from engage.follows.services import follow
from engage.moderation import services as moderation
from engage.moderation.models import ReportReason
from engage.notifications import services as notifications
from engage.notifications.kinds import Delivery, Topic
from engage.proposals import services as proposals
from engage.questionnaires import services as questionnaires
from engage.questionnaires.models import Answer, QuestionKind as K, Response
from engage.votes.models import Support
from tests.factories import form_token, institution, make_consultation, make_supports, make_user, set_phase
from tests.questionnaires.helpers import answer_directly, send
from tests.security.test_stored_xss import PAYLOADS, assert_inert

# Cells a spreadsheet would run (CSV) or that openpyxl would store as a formula (XLSX).
FORMULAS = [
    "=HYPERLINK(\"http://evil.example\",\"clic\")",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",  # stripped on the way in: stored as "=1+1"
]
# A public name the registration form accepts (letters, digits, spaces, . ' -) that a spreadsheet
# would still read as a formula.
FORMULA_NAME = "-A1-A2"
# The payloads that matter most for pages reached by more than one field, and for e-mails.
KEY_PAYLOADS = [PAYLOADS[0], PAYLOADS[1], PAYLOADS[3], PAYLOADS[6], PAYLOADS[13]]
HEADER_INJECTION = "Titolo\r\nBcc: spia@evil.example\r\nX-Injected: 1\n<script>alert(1)</script>"
ENGLISH = {"Accept-Language": "en"}


# --- Checks ----------------------------------------------------------------------------------------

def page(browser, url: str, *, status: int = 200, headers=None) -> str:
    response = browser.get(url, headers=headers)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html", url
    return response.get_data(as_text=True)


def assert_shown_inert(html: str, *texts: str, where: str = "") -> None:
    """Nothing dangerous on the page, and each text is there, escaped as plain text."""
    assert_inert(html)
    for text in texts:
        assert str(escape(text)) in html, f"{where}: {text!r} is not shown as escaped text"


def looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS)


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def assert_csv_defused(rows: list[list[str]], where: str) -> None:
    for row in rows:
        for cell in row:
            assert not looks_like_formula(cell), f"{where}: a cell a spreadsheet would run: {cell!r}"


def read_json(response):
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    return json.loads(response.get_data(as_text=True))


def json_strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in json_strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in json_strings(value)]
    return []


def read_xlsx(response) -> list[list]:
    """Every cell's value; fails on any cell stored as a formula."""
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, f"{name} holds a formula"
    workbook = load_workbook(io.BytesIO(response.data))
    rows = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value!r}"
            rows.append([cell.value for cell in row])
    return rows


def assert_xlsx_defused(rows: list[list], where: str) -> None:
    for row in rows:
        for value in row:
            if isinstance(value, str):
                assert not value.startswith(("=", "+", "-", "@")), f"{where}: formula-like text {value!r}"


def literal(text: str) -> str:
    """Text as the PDF lays it out, compared without whitespace (line wrapping) and invisible format
    characters (zero-width and bidi marks have no glyph). A right-to-left override shows its span
    reversed, which is what extraction reads back."""
    text = re.sub("\u202e(.*?)\u202c", lambda match: match.group(1)[::-1], text)
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) != "Cf")


ACTION_KEYS = {"/JS", "/JavaScript", "/Launch", "/OpenAction", "/AA", "/SubmitForm", "/ImportData",
               "/RichMedia", "/EmbeddedFile", "/EmbeddedFiles", "/GoToR", "/GoToE", "/XFA", "/AcroForm"}
ACTION_TYPES = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/RichMediaExecute",
                "/Rendition", "/Sound", "/Movie"}


def pdf_dangers(data: bytes) -> list[str]:
    """Every object reachable from the trailer: scripts, launch or automatic actions, forms,
    embedded files, and links that are not http(s) or mailto."""
    reader = PdfReader(io.BytesIO(data))
    found, seen, stack = [], set(), [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for key, value in obj.items():
                if key in ACTION_KEYS:
                    found.append(key)
                if key == "/S" and value in ACTION_TYPES:
                    found.append(f"/S {value}")
                if key == "/URI":
                    uri = str(value.get_object()).strip().lower()
                    if not uri.startswith(("http:", "https:", "mailto:")):
                        found.append(f"/URI {uri!r}")
                if key != "/Parent":
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return found


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(p.extract_text() for p in reader.pages)


def send_mail_queue(runner) -> str:
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def assert_plain_text_mail(message, *texts: str) -> str:
    """One text/plain UTF-8 part (HTML in it is shown as text), one-line headers, nothing added."""
    assert not message.is_multipart(), message.get_content_type()
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() in ("utf-8", "us-ascii")
    for name, value in message.items():
        assert "\r" not in value and "\n" not in value, f"{name} spans lines: {value!r}"
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message.get_all("To") == [message["To"]] and "," not in message["To"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    flat_body = " ".join(body.split())
    for text in texts:
        assert " ".join(text.split()) in flat_body, f"{text!r} is not in the mail as written"
    return body


# --- Questionnaires --------------------------------------------------------------------------------

def build_questionnaire(payload: str):
    """Every wording field carries the payload; returns (questionnaire, {kind: question})."""
    consultation = make_consultation(Phase.PROPOSALS, title_it=f"C {payload}"[:200])
    admin = make_user(Role.ADMIN)
    q = questionnaires.create_questionnaire(admin, consultation, title_it=payload[:200], title_en=payload[:200],
                                            intro_it=payload, intro_en=payload, open_phase=Phase.PROPOSALS,
                                            anonymous=False)
    asked = {}
    for kind, extra in (
            (K.SECTION, {}),
            (K.SINGLE, {"has_other": True, "options": [(payload, payload), (f"{payload} 2", None)]}),
            (K.MULTIPLE, {"has_other": True, "options": [(payload, None), (f"{payload} 2", None), ("Terza", None)]}),
            (K.SCALE, {"low_label_it": payload[:100], "high_label_it": f"{payload} 5"[:100],
                       "low_label_en": payload[:100]}),
            (K.RANKING, {"options": [(payload, None), (f"{payload} 2", None)]}),
            (K.SHORT_TEXT, {}),
            (K.LONG_TEXT, {})):
        asked[kind] = questionnaires.add_question(admin, q, kind, text_it=payload, help_it=payload, **extra)
    questionnaires.publish(admin, q)
    return q, asked


def answers_with(asked, payload: str, *, other: bool) -> dict:
    single, multiple, ranking = asked[K.SINGLE], asked[K.MULTIPLE], asked[K.RANKING]
    first = {kind: str(asked[kind].options[0].id) for kind in (K.SINGLE, K.MULTIPLE)}
    data = {asked[K.SCALE].field_name: "3", asked[K.SHORT_TEXT].field_name: payload,
            asked[K.LONG_TEXT].field_name: f"{payload}\n\n{payload}"}
    for rank, option in enumerate(ranking.options, start=1):
        data[f"{ranking.field_name}_o{option.id}"] = str(rank)
    if other:
        data[single.field_name] = "other"
        data[f"{single.field_name}_other"] = payload
        data[multiple.field_name] = [first[K.MULTIPLE], "other"]
        data[f"{multiple.field_name}_other"] = payload
    else:
        data[single.field_name] = first[K.SINGLE]
        data[multiple.field_name] = [first[K.MULTIPLE]]
    return data


@pytest.mark.parametrize("payload", PAYLOADS + FORMULAS)
def test_questionnaire_text_renders_inert_on_every_page_and_in_its_exports(payload, db, client, client_as):
    q, asked = build_questionnaire(payload)
    officer = make_user(officer_of=institution("provincia-cremona"))
    moderator = make_user(Role.MODERATOR)
    respondent, other_respondent, reader = make_user(), make_user(), make_user()
    db.session.commit()
    stored = payload.strip()  # what the form keeps of a typed answer

    # The respondent answers through the web form; their answers come back in the form's fields.
    browser = client_as(respondent)
    assert_shown_inert(page(browser, f"/questionari/{q.id}"), payload, where="the form to answer")
    wrong = answers_with(asked, payload, other=True)
    wrong[asked[K.SINGLE].field_name] = str(asked[K.SINGLE].options[0].id)  # "other" text without "other"
    rejected = send(browser, q, wrong)
    assert rejected.status_code == 422
    assert_shown_inert(rejected.get_data(as_text=True), stored, where="the form sent back with an error")
    assert send(browser, q, answers_with(asked, payload, other=True)).status_code == 302
    assert_shown_inert(page(browser, f"/questionari/{q.id}"), stored, where="the respondent's own answers")
    answer_directly(other_respondent, q, answers_with(asked, payload, other=False))
    db.session.commit()

    # Voting opens: the questionnaire closes, its results become public, and a reader reports a text.
    set_phase(q.consultation, Phase.VOTING)
    short_text = db.session.scalar(select(Answer).join(Response).where(
        Response.questionnaire_id == q.id, Answer.question_id == asked[K.SHORT_TEXT].id).order_by(Answer.id))
    moderation.report(reader, short_text, ReportReason.OTHER, payload)
    db.session.commit()
    case = moderation.case_for(short_text, create=False)

    public = [f"/questionari/{q.id}", f"/questionari/{q.id}/risultati", f"/questionari/{q.id}/risultati?per=eta",
              f"/questionari/{q.id}/risultati?per=comune", f"/consultazioni/{q.consultation.id}"] + [
        f"/questionari/{q.id}/risultati/{asked[kind].id}/testi"
        for kind in (K.SHORT_TEXT, K.LONG_TEXT, K.SINGLE, K.MULTIPLE)]
    for url in public:
        assert_shown_inert(page(client, url), payload, where=url)
    assert_shown_inert(page(client, f"/questionari/{q.id}", headers=ENGLISH), payload, where="English")
    assert_shown_inert(page(client_as(respondent), f"/questionari/{q.id}"), stored, where="closed, own answers")
    assert_shown_inert(page(client_as(reader), f"/segnala/risposta/{short_text.id}"), stored, where="report form")
    staff = [f"/questionari/{q.id}/domande", f"/questionari/{q.id}/modifica", f"/questionari/{q.id}/anteprima",
             f"/questionari/{q.id}/risultati"] + [
        f"/questionari/{q.id}/domande/{question.id}/modifica" for question in asked.values()]
    for url in staff:
        assert_shown_inert(page(client_as(officer), url), payload, where=url)
    for url in ("/moderazione/", f"/moderazione/casi/{case.id}"):
        assert_shown_inert(page(client_as(moderator), url), stored, where=url)

    # The exports: JSON keeps the text as data, CSV defuses what a spreadsheet would run.
    exporter = client_as(officer)
    rows = read_csv(exporter.get(f"/questionari/{q.id}/risposte.csv"))
    assert len(rows) == 3
    assert_csv_defused(rows, "questionnaire CSV")
    cells = [cell for row in rows for cell in row]
    assert ("'" + stored if looks_like_formula(stored) else stored) in cells  # the short text
    data = read_json(exporter.get(f"/questionari/{q.id}/risposte.json"))
    strings = json_strings(data)
    assert payload[:200] == data["questionnaire"]["title"]
    for expected in (stored, f"Altro: {stored}", f"{payload}\n\n{payload}".strip()):
        assert expected in strings, (expected, [s for s in strings if stored in s])


# --- Official answers and milestones ---------------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS)
def test_official_answers_and_milestones_render_inert_wherever_they_are_shown(payload, db, client, client_as):
    consultation = make_consultation(Phase.PROPOSALS, answer_all_proposals=True, points=(12,))
    point = consultation.priority_points[0]
    author = make_user()
    accepted = proposals.submit_proposal(author, consultation, title=payload[:150], body=payload, priority_point=point)
    pending = proposals.submit_proposal(make_user(), consultation, title=f"{payload} 2"[:150], body=payload,
                                        priority_point=point)
    set_phase(consultation, Phase.VOTING)
    officer = make_user(officer_of=institution("provincia-cremona"))
    accountability.answer_proposal(officer, accepted, status=AnswerStatus.ACCEPTED, body_it=payload,
                                   body_en=f"EN {payload}", responsible_office=payload, cost_estimate=1000)
    accountability.add_milestone(officer, accepted, reached_on=utcnow().date() - timedelta(days=1), progress=40,
                                 note_it=payload, note_en=f"EN {payload}")
    accountability.answer_proposal(officer, pending, status=AnswerStatus.UNDER_EVALUATION, body_it=payload,
                                   responsible_office=payload)
    db.session.commit()
    stored = payload.strip()

    for url in (f"/proposte/{accepted.id}", f"/proposte/{pending.id}"):
        assert_shown_inert(page(client, url), stored, where=url)
    assert_shown_inert(page(client, f"/proposte/{accepted.id}", headers=ENGLISH), f"EN {stored}", stored,
                       where="the English answer")
    assert_shown_inert(page(client, f"/proposte/{pending.id}", headers=ENGLISH), stored,
                       where="the Italian answer on the English page")
    for url in (f"/consultazioni/{consultation.id}/proposte", f"/consultazioni/{consultation.id}/risultati",
                "/enti/provincia-cremona/risposte-attese", f"/punti/{point.slug}"):
        assert_shown_inert(page(client, url), payload[:150].strip(), where=url)
    for url in (f"/proposte/{accepted.id}/risposta", f"/proposte/{accepted.id}/avanzamento",
                f"/proposte/{pending.id}/risposta"):
        assert_shown_inert(page(client_as(officer), url), stored, where=url)
    assert_shown_inert(page(client_as(author), "/notifiche"), payload[:150].strip(), where="the author's notifications")


# --- Results: page, exports and PDF ----------------------------------------------------------------

def build_results(consultation_title: str):
    """A consultation in voting whose proposals, comments and answers carry every payload and every
    formula (each in its own proposal, so one build covers them all), by a formula-like author."""
    consultation = make_consultation(Phase.PROPOSALS, title_it=consultation_title, support_threshold=1,
                                     points=(1, 5))
    point = consultation.priority_points[0]
    writer = make_user(display_name=FORMULA_NAME)
    made = []
    for text in PAYLOADS + FORMULAS:
        proposal = proposals.submit_proposal(writer, consultation, title=text[:150], body=text, priority_point=point)
        comments.post_comment(writer, consultation, proposal=proposal, body=text, stance=Stance.IN_FAVOUR)
        made.append(proposal)
    comments.post_comment(writer, consultation, body=FORMULAS[0])
    set_phase(consultation, Phase.VOTING)
    for proposal in made[:3]:
        make_supports(proposal, 1)
    officer = make_user(officer_of=institution("provincia-cremona"), email="ufficio@example.org")
    accountability.answer_proposal(officer, made[0], status=AnswerStatus.ACCEPTED, body_it=PAYLOADS[0],
                                   responsible_office=FORMULAS[0])
    db.session.commit()
    return consultation, officer


@pytest.fixture
def results_world(db):  # inside the test's rolled-back transaction
    return build_results(f"Muoversi {PAYLOADS[6]}")


TEXTS = [text.strip()[:150] for text in PAYLOADS + FORMULAS]


def test_the_results_page_and_its_exports_keep_hostile_text_inert(results_world, client):
    consultation, _officer = results_world
    url = f"/consultazioni/{consultation.id}/risultati"
    html = page(client, url)
    assert_shown_inert(html, *TEXTS, where="the results page")
    point = consultation.priority_points[0]
    assert_shown_inert(page(client, f"/punti/{point.slug}/risultati"), *TEXTS[:3], where="the point's results")
    assert_shown_inert(page(client, f"/assi/{point.axis.slug}/risultati"), *TEXTS[:3], where="the axis' results")

    for table in ("proposte", "commenti", "sintesi"):
        rows = read_csv(client.get(f"{url}/{table}.csv"))
        assert_csv_defused(rows, f"{table}.csv")
        cells = [cell for row in rows for cell in row]
        data = read_json(client.get(f"{url}/{table}.json"))
        values = [str(v) for row in data["rows"] for v in row.values()]
        xlsx = read_xlsx(client.get(f"{url}/{table}.xlsx"))
        assert_xlsx_defused(xlsx, f"{table}.xlsx")
        xlsx_cells = [str(v) for row in xlsx for v in row if v is not None]
        if table == "sintesi":  # titles behind their id in the ranking
            for text in TEXTS:
                assert any(cell.endswith(f" {text}") for cell in cells), text
                assert any(cell.endswith(f" {text}") for cell in xlsx_cells), text
            continue
        for text in TEXTS:  # the text is kept, a formula only behind an apostrophe
            expected = "'" + text if looks_like_formula(text) else text
            assert expected in cells, (table, text)
            assert expected in xlsx_cells, (table, text)
            assert text in values, (table, text)  # JSON is data: kept as written
        assert "'" + FORMULA_NAME in cells and "'" + FORMULA_NAME in xlsx_cells and FORMULA_NAME in values


def test_the_pdf_report_carries_hostile_text_as_text_and_no_active_content(results_world, client):
    consultation, _officer = results_world
    response = client.get(f"/consultazioni/{consultation.id}/risultati/rapporto.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf_dangers(response.data) == []
    text = literal(pdf_text(response.data))
    for written in [consultation.title_it] + TEXTS:
        assert literal(written) in text, f"{written!r} is not in the PDF as text"


def test_the_delivered_report_and_its_mail_keep_the_title_as_text(results_world, client_as, mailbox, runner):
    consultation, officer = results_world
    browser = client_as(officer)
    reports = f"/consultazioni/{consultation.id}/rapporti"
    assert browser.post(reports, data={"csrf_token": form_token(browser, reports)}).status_code == 302
    assert_shown_inert(page(browser, reports), consultation.title_it, where="the reports page")
    send_mail_queue(runner)

    message = mailbox.last_to("ufficio@example.org")
    body = assert_plain_text_mail(message, consultation.title_it)
    assert consultation.title_it in message["Subject"]
    stored = mailbox.link_in(message).split("localhost:5000", 1)[1]
    assert stored in body
    pdf = browser.get(stored)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf_dangers(pdf.data) == []
    assert literal(consultation.title_it) in literal(pdf_text(pdf.data))


# --- Notification e-mails ----------------------------------------------------------------------------

@pytest.mark.parametrize("payload", KEY_PAYLOADS + [HEADER_INJECTION])
def test_notification_mails_quote_titles_as_plain_text(payload, db, client_as, mailbox, runner):
    consultation = make_consultation(Phase.PROPOSALS, title_it=payload)
    author = make_user(email="autrice@example.org", display_name="Autrice")
    supporter = make_user(email="sostenitore@example.org")
    follower = make_user(email="seguace@example.org")
    reader = make_user(email="digest@example.org")
    officer = make_user(officer_of=institution("provincia-cremona"))
    follow(follower, consultation=consultation)
    follow(reader, consultation=consultation)
    notifications.set_preference(reader, Topic.PHASE, Delivery.DAILY)
    proposal = proposals.submit_proposal(author, consultation, title=payload, body=payload,
                                         priority_point=consultation.priority_points[0])
    first = comments.post_comment(author, consultation, proposal=proposal, body="Primo.")
    comments.post_comment(make_user(), consultation, proposal=proposal, body=payload, parent=first)  # a reply
    set_phase(consultation, Phase.VOTING)  # a phase: followers hear of it
    db.session.add(Support(proposal_id=proposal.id, user_id=supporter.id, consultation_id=consultation.id))
    proposal.support_count += 1
    accountability.answer_proposal(officer, proposal, status=AnswerStatus.ACCEPTED, body_it=payload)  # an answer
    db.session.commit()
    result = runner.invoke(args=["notifications", "digest"])
    assert result.exit_code == 0, result.output
    send_mail_queue(runner)

    title = payload.strip()
    # The author: a reply and the answer; the supporter: the answer; the follower: the phase; the
    # reader: the phase in the daily digest. Nobody else, whatever the title says about Bcc.
    expected = {"autrice@example.org": 2, "sostenitore@example.org": 1, "seguace@example.org": 1,
                "digest@example.org": 1}
    assert {address: len(mailbox.to(address)) for address in expected} == expected
    assert len(mailbox.messages) == sum(expected.values())
    for message in mailbox.messages:
        assert_plain_text_mail(message, title)
    subjects = [m["Subject"] for m in mailbox.to("autrice@example.org")]
    assert any(" ".join(title.split()) in subject for subject in subjects), subjects
    for user in (author, follower):
        assert_shown_inert(page(client_as(user), "/notifiche"), title, where="notifications page")
