"""The PDF report: made by WeasyPrint from the same summary() as the page, so its text (read
back with pypdf) carries the page's key figures, top proposals with their supports and stance
split, breakdowns and state of the answers, exactly as the page writes them.

When a consultation closes, `flask results send-reports` (run by a scheduler) generates its
report once, keeps it, and tells each officer of the institution; staff can generate it again
(every version is kept) and only staff can download what was sent.
"""
import hashlib
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.extensions import db
from engage.notifications.models import Notification
from engage.results.models import ReportDelivery
from engage.results.report import consultations_needing_a_report, deliver
from tests.factories import (form_token, institution, make_consultation, make_proposal, make_supports, make_user,
                             set_phase)
from tests.results import world as w
from tests.results.world import Page, read_pdf

ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def story(db):
    return w.build_world()


def flat(text: str) -> str:
    """Lines joined: a table cell wrapped over two lines reads as one."""
    return " ".join(text.split())


# --- The PDF says what the page says ----------------------------------------------------------------

def test_the_pdf_carries_the_pages_key_figures_and_top_proposals(story, client):
    page = Page.of(client.get(story.url, headers=ENGLISH))
    response = client.get(f"{story.url}/rapporto.pdf", headers=ENGLISH)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"inline; filename=rapporto-{story.consultation.id}.pdf"
    text = read_pdf(response.data)
    lines = text.splitlines()

    # The cover names the consultation and the institution.
    assert w.TITLE in lines and "Report for Provincia di Cremona" in lines
    # The key figures: the page's labels over the page's numbers.
    key_figures = dict(list(page.figures.items())[:5])
    labels = " ".join(key_figures)
    assert lines[lines.index(labels) + 1] == " ".join(key_figures.values()) == "7 4 10 6 3"
    # The ledger's head, as on the page, so that a printed report can be checked against a download.
    assert page.figures["Entries"] == "11"
    assert "Verifiable supports" in lines and page.figures["Head hash (SHA-256)"] in flat(text).replace(" ", "")
    # Every ranked proposal, in the page's order: rank, title, excerpt, supports, stance split, answer.
    body = flat(text)
    for rank, title, supports, stances, answer in page.body("ranking-title"):
        title = title.removesuffix(" Qualified")
        qualified = " (qualified)" if rank != "4" else ""
        row = (f"{rank} {title}{qualified} {title}: una proposta concreta, spiegata in poche righe. "
               f"{supports} {stances} {answer}")
        assert row in body, row
    # Breakdowns and answers: each row of the page's tables, cell by cell.
    for section in ("points-title", "comuni-title", "age-title", "answers-title"):
        for row in page.body(section):
            assert " ".join(row) in body, (section, row)
    assert "3 proposals are owed an official answer; 0 are overdue." in body
    assert f"Answers are due by {story.consultation.answers_due_at:%B} " in body
    # Nothing that the page leaves out.
    for gone in (w.HIDDEN_TITLE, w.HIDDEN_COMMENT, w.DELETED_COMMENT):
        assert gone not in body


def test_the_pdf_follows_the_readers_language_and_its_numbers(story, client):
    text = flat(read_pdf(client.get(f"{story.url}/rapporto.pdf").data))  # Italian by default
    assert "Castelvisconti 1 3,55" in text and "Cremona 1 0,01" in text
    assert "7 4 10 6 3" in text


def test_the_pdf_is_live_while_voting_is_open(story, client, db):
    before = flat(read_pdf(client.get(f"{story.url}/rapporto.pdf", headers=ENGLISH).data))
    make_supports(story.proposals["P3"], 3)  # three new people support P3: 4 supports now
    db.session.commit()
    after = flat(read_pdf(client.get(f"{story.url}/rapporto.pdf", headers=ENGLISH).data))
    assert "7 4 10 6 3" in before and "10 4 13 6 3" in after


def test_the_pdf_engine_loads_under_the_suites_warning_filters():
    """WeasyPrint warns on import when the system lacks libharfbuzz-subset0 (.ci/run installs it), and
    the suite turns warnings into errors: every PDF route would then answer 500 in the tests. Checked
    in a fresh interpreter, since this one may have imported WeasyPrint already."""
    code = "import warnings; warnings.simplefilter('error'); import weasyprint"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1]


# --- Sent when a consultation closes ----------------------------------------------------------------

@pytest.fixture
def closing(db):
    """Two consultations that have closed (one already publishing results), one still voting, one
    draft; two officers at the Provincia, one at the Comune di Cremona."""
    provincia, comune = institution("provincia-cremona"), institution("comune-cremona")
    officers = [make_user(officer_of=provincia), make_user(officer_of=provincia), make_user(officer_of=comune)]
    closed = make_consultation(Phase.CLOSED, title_it="Chiusa da ieri")
    results = make_consultation(Phase.RESULTS, institution_slug="comune-cremona", title_it="Risultati pubblicati")
    voting = make_consultation(Phase.VOTING)
    draft = make_consultation(Phase.DRAFT)
    make_supports(make_proposal(closed, title="Più alberi in piazza"), 2)
    db.session.commit()
    return {"officers": officers, "closed": closed, "results": results, "voting": voting, "draft": draft}


def deliveries(consultation=None) -> list[ReportDelivery]:
    query = select(ReportDelivery).order_by(ReportDelivery.id)
    if consultation is not None:
        query = query.where(ReportDelivery.consultation_id == consultation.id)
    return list(db.session.scalars(query))


def report_notifications(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                                Notification.kind == "report_ready")
                                     .order_by(Notification.id)))


def test_send_reports_makes_one_report_per_closed_consultation_and_tells_its_officers(closing, runner, db):
    assert {c.id for c in consultations_needing_a_report()} == {closing["closed"].id, closing["results"].id}
    result = runner.invoke(args=["results", "send-reports"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 report(s) sent."

    first, second = deliveries(closing["closed"]), deliveries(closing["results"])
    assert len(first) == len(second) == 1
    assert deliveries(closing["voting"]) == deliveries(closing["draft"]) == []
    provincia_officers, comune_officer = closing["officers"][:2], closing["officers"][2]
    sent = first[0]
    assert sent.recipients.splitlines() == [str(o.id) for o in provincia_officers]
    assert second[0].recipients.splitlines() == [str(comune_officer.id)]
    assert (sent.phase, sent.generated_by_id) == ("closed", None)
    assert sent.sha256 == hashlib.sha256(sent.pdf).hexdigest()
    assert "Più alberi in piazza" in read_pdf(sent.pdf)

    link = f"/consultazioni/{closing['closed'].id}/rapporti/{sent.id}.pdf"
    for officer in provincia_officers:
        assert [n.link for n in report_notifications(officer)] == [link]
    assert [n.link for n in report_notifications(comune_officer)] == [
        f"/consultazioni/{closing['results'].id}/rapporti/{second[0].id}.pdf"]


def test_running_it_again_sends_nothing_new(closing, runner, db):
    runner.invoke(args=["results", "send-reports"])
    count = db.session.scalar(select(func.count()).select_from(Notification))
    again = runner.invoke(args=["results", "send-reports"])
    assert again.exit_code == 0 and again.output.splitlines() == ["0 report(s) sent."]
    assert len(deliveries()) == 2
    assert db.session.scalar(select(func.count()).select_from(Notification)) == count


def test_a_consultation_closing_later_gets_its_report_then(closing, runner, db):
    runner.invoke(args=["results", "send-reports"])
    set_phase(closing["voting"], Phase.CLOSED)
    db.session.commit()
    result = runner.invoke(args=["results", "send-reports"])
    assert result.output.splitlines() == [f"Report for consultation {closing['voting'].id} sent.", "1 report(s) sent."]
    assert len(deliveries(closing["voting"])) == 1


def test_a_report_made_during_voting_does_not_stand_for_the_final_one(closing, runner, db):
    """Staff generated one while voting was open; once voting closes the final report still goes out."""
    deliver(closing["voting"], by=closing["officers"][0])
    set_phase(closing["voting"], Phase.CLOSED)
    db.session.commit()
    assert closing["voting"] in consultations_needing_a_report()
    runner.invoke(args=["results", "send-reports"])
    assert [d.phase for d in deliveries(closing["voting"])] == ["voting", "closed"]


def test_the_scheduler_can_look_ahead_with_a_frozen_clock(closing, db):
    """Asked about a later moment, the consultation still voting today is due too; asked about five
    days ago, only the one that closed ten days ago was."""
    later = closing["voting"].voting_until + timedelta(minutes=1)
    assert {c.id for c in consultations_needing_a_report(later)} == {
        closing["closed"].id, closing["results"].id, closing["voting"].id}
    earlier = utcnow() - timedelta(days=5)
    assert {c.id for c in consultations_needing_a_report(earlier)} == {closing["results"].id}


def test_the_officer_reads_which_consultation_the_report_is_about(closing, runner, client_as, db):
    runner.invoke(args=["results", "send-reports"])
    officer = closing["officers"][0]
    (notification,) = report_notifications(officer)
    assert notification.consultation_id == closing["closed"].id
    html = client_as(officer).get("/notifiche").get_data(as_text=True)
    assert "Chiusa da ieri" in html


# --- Kept, regenerated, and served to staff only -------------------------------------------------

def test_staff_regenerate_the_report_and_every_version_is_kept(story, client_as, db):
    officer = story.officer
    browser = client_as(officer)
    reports = f"/consultazioni/{story.consultation.id}/rapporti"
    assert "No report yet." in browser.get(reports).get_data(as_text=True)
    for _ in range(2):
        response = browser.post(reports, data={"csrf_token": form_token(browser, reports)})
        assert response.status_code == 302 and response.headers["Location"].endswith(reports)
    versions = deliveries(story.consultation)
    assert len(versions) == 2
    assert all(v.generated_by_id == officer.id and v.phase == "voting" for v in versions)
    assert len(report_notifications(officer)) == 2
    page = browser.get(reports).get_data(as_text=True)
    for version in versions:
        assert f"{reports}/{version.id}.pdf" in page and version.sha256[:12] in page


def test_the_stored_pdf_is_what_was_sent_even_after_the_figures_move_on(story, client_as, db):
    sent = deliver(story.consultation)
    db.session.commit()
    make_supports(story.proposals["P3"], 3)
    db.session.commit()
    url = f"/consultazioni/{story.consultation.id}/rapporti/{sent.id}.pdf"
    response = client_as(story.officer).get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert hashlib.sha256(response.data).hexdigest() == sent.sha256
    assert "7 4 10 6 3" in flat(read_pdf(response.data))  # the figures of the day it was sent


def test_only_staff_download_a_stored_report(story, client_as, client, db):
    sent = deliver(story.consultation)
    other = make_consultation(Phase.VOTING)
    db.session.commit()
    url = f"/consultazioni/{story.consultation.id}/rapporti/{sent.id}.pdf"
    assert client.get(url).status_code == 302  # to the sign-in page
    assert client_as(story.people["anna"]).get(url).status_code == 403
    assert client_as(make_user(officer_of=institution("comune-cremona"))).get(url).status_code == 403
    assert client_as(story.moderator).get(url).status_code == 403
    admin = make_user(Role.ADMIN)
    assert client_as(admin).get(url).status_code == 200
    # A delivery belongs to its consultation: not reachable under another one, nor invented.
    assert client_as(admin).get(f"/consultazioni/{other.id}/rapporti/{sent.id}.pdf").status_code == 404
    assert client_as(admin).get(f"/consultazioni/{story.consultation.id}/rapporti/99999.pdf").status_code == 404
    # Citizens cannot see the list, nor regenerate.
    reports = f"/consultazioni/{story.consultation.id}/rapporti"
    anna = client_as(story.people["anna"])
    assert anna.get(reports).status_code == 403
    assert anna.post(reports, data={"csrf_token": form_token(anna, "/")}).status_code == 403
    assert len(deliveries(story.consultation)) == 1


def test_the_report_link_in_the_notification_opens_the_pdf(story, client_as, db):
    deliver(story.consultation)
    db.session.commit()
    (notification,) = report_notifications(story.officer)
    response = client_as(story.officer).get(notification.link)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert re.search(r"/rapporti/\d+\.pdf$", notification.link)


@pytest.fixture
def limits_on(app):
    from engage.extensions import limiter

    limiter.enabled = True
    limiter.reset()
    try:
        yield
    finally:
        limiter.reset()
        limiter.enabled = False


def test_making_pdfs_is_rate_limited_but_the_page_is_not(db, client, limits_on):
    """Each PDF costs a worker about a second: six a minute from one address, then a 429."""
    consultation = make_consultation(Phase.VOTING)
    db.session.commit()
    url = f"/consultazioni/{consultation.id}/risultati"
    assert [client.get(f"{url}/rapporto.pdf").status_code for _ in range(7)] == [200] * 6 + [429]
    assert all(client.get(url).status_code == 200 for _ in range(10))
