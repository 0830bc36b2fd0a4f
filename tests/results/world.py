"""A small consultation built by hand, whose every result figure is worked out on paper below,
and the readers the tests use to look at what people see: the page, the downloads, the PDF.

The Provincia di Cremona asks about mobility. Voting is open (the results are live); a proposal
qualifies for an official answer with 2 supports. Days are UTC noons: D1 is nine days ago, D2
eight, D3 two, D4 yesterday.

    who      comune          age     what they did
    anna     Cremona         18-29   wrote P1 (D1); supported P2 (D3) and P3 (D4); replied to bruno
                                     on P1 (D4); answered the questionnaire
    bruno    Crema           30-44   wrote P2 (D1); supported P1 (D3) and P4 (D4); commented P1,
                                     against (D3)
    carla    Crema           45-64   wrote P3 (D1); supported P1 (D3); commented P2, neutral (D4)
    dario    Castelvisconti  65+     supported P1 (D3) and P2 (D4); wrote in the general
                                     discussion (D2)
    elena    Casalmaggiore   (none)  supported P1 (D3) and P4 (D4); commented P1, in favour (D3)
    franco   (none)          18-29   supported P2 (D4); commented P1, in favour, with a text that
                                     starts like a spreadsheet formula (D4); commented the hidden P5
    lara     Casalmaggiore   45-64   only answered the questionnaire

    Not participants: the officer (wrote the official P4 on D2: the institution, not a
    citizen); mario (wrote P5 on D2, hidden by a moderator); gino (only supported the hidden P5);
    ivo (only wrote a comment on P2 that a moderator hid, D3); hilda (only wrote a comment on P2
    that she deleted, D4); nora (only saved a questionnaire draft); olga (only answered the
    anonymous questionnaire: a response, not a person).

    proposal                                 point  supports  comments (favour/against/neutral)
    P1 Pista ciclabile Crema-Cremona         5      4         4 (2/1/0) + a reply with no stance
    P2 Navetta per Castelvisconti            5      3         1 (0/0/1)
    P4 Nuovi orari dei treni (official)      1      2         0
    P3 Biblioteca aperta la sera             1      1         0
    P5 (hidden)                              5      1         1 (left out)

Totals: 7 participants, 4 proposals, 10 supports, 6 comments (4 on P1, 1 on P2, 1 in the
general discussion), 3 questionnaire responses (anna, lara, olga; nora's draft is not one).

Ranking: P1 4, P2 3, P4 2 (all at or over the threshold of 2), P3 1 (under it).
Over time: D1 3 proposals; D2 1 proposal, 1 comment; D3 5 supports, 2 comments; D4 5
supports, 3 comments.
By point: 1 (Identità e marketing territoriale) 2 proposals, 3 supports; 5 (Azioni
energetiche) 2 proposals, 7 supports.
By comune, per 1,000 inhabitants (ISTAT 2021): Castelvisconti 1 of 282 = 3.55; Casalmaggiore 2
of 15,127 = 0.13; Crema 2 of 34,242 = 0.06; Cremona 1 of 71,523 = 0.01; no comune 1.
By age band, share of 7: 18-29 2 (28.6 %), 30-44 1 (14.3), 45-64 2 (28.6), 65+ 1 (14.3), not
given 1 (14.3).
Answers: P1, P2 and P4 are owed one; P1 accepted, P2 under evaluation, P4 none yet. Their
deadline is 60 days after voting closes; after it, P2 and P4 are overdue (P1 was decided).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser

from openpyxl import load_workbook
from pypdf import PdfReader

from engage.accountability import services as accountability
from engage.accountability.models import AnswerStatus
from engage.auth.models import AgeBand, Role
from engage.comments import services as comments
from engage.comments.models import Stance
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.extensions import db
from engage.ledger import services as ledger
from engage.moderation import services as moderation
from engage.moderation.models import ReportReason
from engage.questionnaires import services as questionnaires
from engage.questionnaires.models import QuestionKind
from engage.questionnaires.services import Given
from engage.votes.models import Support
from tests.factories import institution, make_comment, make_consultation, make_proposal, make_user

TITLE = "Muoversi in provincia"
P1, P2, P3, P4 = ("Pista ciclabile Crema-Cremona", "Navetta per Castelvisconti", "Biblioteca aperta la sera",
                  "Nuovi orari dei treni")
HIDDEN_TITLE = "Compro oro, chiamate subito"
HIDDEN_COMMENT = "Commento offensivo nascosto"
DELETED_COMMENT = "Ci ho ripensato"
FORMULA = "=HYPERLINK(\"http://evil.example\";\"clic\") più piste"


def noon(days_ago: int) -> datetime:
    """A UTC noon `days_ago` days before today: far from midnight, so every engine sees the same day."""
    return datetime.combine(utcnow().date() - timedelta(days=days_ago), time(12), tzinfo=UTC)


D1, D2, D3, D4 = noon(9), noon(8), noon(2), noon(1)


def person(name: str, comune: str | None, age: str | None, **kwargs):
    user = make_user(display_name=name, comune=comune, **kwargs)
    user.age_band = AgeBand(age) if age else None
    return user


def support(proposal, user, when: datetime) -> Support:
    """A support as the voting service stores it: the row, the counter and the ledger entry,
    back-dated (the service itself refuses supports outside voting)."""
    row = Support(proposal_id=proposal.id, user_id=user.id, consultation_id=proposal.consultation_id,
                  created_at=when)
    db.session.add(row)
    proposal.support_count += 1
    db.session.flush()
    ledger.append(consultation_id=proposal.consultation_id, proposal_id=proposal.id, user_id=user.id,
                  action="+", now=when)
    return row


def comment(proposal=None, *, author, when: datetime, stance=None, consultation=None, parent=None,
            body="Un commento."):
    made = make_comment(proposal, consultation=consultation, author=author, stance=stance, parent=parent, body=body)
    made.created_at = when
    db.session.flush()
    return made


def proposal(consultation, author, title: str, *, point: int, when: datetime, official: bool = False,
             body: str | None = None):
    made = make_proposal(consultation, author, title=title, point=point,
                         body=body or f"{title}: una proposta concreta, spiegata in poche righe.")
    made.is_official = official
    made.created_at = when
    db.session.flush()
    return made


def questionnaire(consultation, *, anonymous: bool = False):
    """One scale question, open while voting is."""
    admin = make_user(Role.ADMIN)
    made = questionnaires.create_questionnaire(admin, consultation, title_it="Come ti muovi", intro_it="",
                                               open_phase=Phase.VOTING, anonymous=anonymous)
    questionnaires.add_question(admin, made, QuestionKind.SCALE, text_it="Quanto usi la bici?", required=True,
                                low_label_it="Mai", high_label_it="Ogni giorno")
    questionnaires.publish(admin, made)
    db.session.flush()
    return made


def answer(user, made, value: int, *, submit: bool = True):
    question = made.answerable_questions[0]
    return questionnaires.save_response(user, made, {question.id: Given(value=value)}, submit=submit)


@dataclass
class World:
    consultation: object
    officer: object
    moderator: object
    people: dict = field(default_factory=dict)
    proposals: dict = field(default_factory=dict)  # "P1".. "P5"

    @property
    def url(self) -> str:
        return f"/consultazioni/{self.consultation.id}/risultati"


def build_world(consultation=None) -> World:
    """The consultation of the module docstring (or the same story in `consultation`), committed."""
    c = consultation or make_consultation(Phase.VOTING, title_it=TITLE, support_threshold=2, points=(1, 5))
    officer = make_user(display_name="Ufficio mobilità", officer_of=institution("provincia-cremona"), locale="en")
    moderator = make_user(Role.MODERATOR)
    p = {name: person(name.capitalize(), comune, age) for name, comune, age in (
        ("anna", "Cremona", "18_29"), ("bruno", "Crema", "30_44"), ("carla", "Crema", "45_64"),
        ("dario", "Castelvisconti", "65_plus"), ("elena", "Casalmaggiore", None), ("franco", None, "18_29"),
        ("lara", "Casalmaggiore", "45_64"), ("mario", "Cremona", "30_44"), ("gino", "Cremona", "30_44"),
        ("ivo", "Crema", "18_29"), ("hilda", "Cremona", "65_plus"), ("nora", "Cremona", "45_64"),
        ("olga", "Crema", "30_44"))}
    w = World(c, officer, moderator, p)

    w.proposals["P1"] = proposal(c, p["anna"], P1, point=5, when=D1)
    w.proposals["P2"] = proposal(c, p["bruno"], P2, point=5, when=D1)
    w.proposals["P3"] = proposal(c, p["carla"], P3, point=1, when=D1)
    w.proposals["P4"] = proposal(c, officer, P4, point=1, when=D2, official=True)
    w.proposals["P5"] = proposal(c, p["mario"], HIDDEN_TITLE, point=5, when=D2)
    P = w.proposals

    general = comment(consultation=c, author=p["dario"], when=D2, body="Servono più treni la sera.")
    for target, who in (("P1", "bruno"), ("P1", "carla"), ("P1", "dario"), ("P1", "elena"), ("P2", "anna")):
        support(P[target], p[who], D3)
    for target, who in (("P2", "dario"), ("P2", "franco"), ("P3", "anna"), ("P4", "bruno"), ("P4", "elena"),
                        ("P5", "gino")):
        support(P[target], p[who], D4)
    against = comment(P["P1"], author=p["bruno"], when=D3, stance=Stance.AGAINST, body="Costa troppo.")
    comment(P["P1"], author=p["elena"], when=D3, stance=Stance.IN_FAVOUR, body="Finalmente!")
    hidden_comment = comment(P["P2"], author=p["ivo"], when=D3, stance=Stance.AGAINST, body=HIDDEN_COMMENT)
    comment(P["P1"], author=p["franco"], when=D4, stance=Stance.IN_FAVOUR, body=FORMULA)
    comment(P["P1"], author=p["anna"], when=D4, parent=against, body="Si ripaga in pochi anni.")
    comment(P["P2"], author=p["carla"], when=D4, stance=Stance.NEUTRAL, body="Dipende dagli orari.")
    deleted = comment(P["P2"], author=p["hilda"], when=D4, stance=Stance.IN_FAVOUR, body=DELETED_COMMENT)
    comment(P["P5"], author=p["franco"], when=D4, stance=Stance.AGAINST, body="Questo è spam.")
    comments.delete_comment(p["hilda"], deleted)

    for item in (P["P5"], hidden_comment):
        moderation.report(make_user(), item, ReportReason.OFFENSIVE)
        moderation.hide(moderator, moderation.case_for(item, create=False), ReportReason.OFFENSIVE)

    named, anonymous = questionnaire(c), questionnaire(c, anonymous=True)
    answer(p["anna"], named, 5)
    answer(p["lara"], named, 3)
    answer(p["nora"], named, 4, submit=False)
    answer(p["olga"], anonymous, 2)

    accountability.answer_proposal(officer, P["P1"], status=AnswerStatus.ACCEPTED, body_it="La faremo nel 2027.")
    accountability.answer_proposal(officer, P["P2"], status=AnswerStatus.UNDER_EVALUATION,
                                   body_it="Ne stiamo valutando i costi.")
    assert general.id
    db.session.commit()  # requests share this session: every counter is read back fresh
    return w


# What the module docstring says, as data.

PARTICIPANTS, PROPOSALS, SUPPORTS, COMMENTS, RESPONSES = 7, 4, 10, 6, 3
RANKING = [(P1, 4, True), (P2, 3, True), (P4, 2, True), (P3, 1, False)]
STANCES = {P1: (2, 1, 0), P2: (0, 0, 1), P4: (0, 0, 0), P3: (0, 0, 0)}  # favour, against, neutral
OVER_TIME = [(D1.date(), 3, 0, 0), (D2.date(), 1, 0, 1), (D3.date(), 0, 5, 2), (D4.date(), 0, 5, 3)]
BY_POINT = [(1, 2, 3), (5, 2, 7)]  # number, proposals, supports
BY_COMUNE = [("Castelvisconti", 1, 3.55), ("Casalmaggiore", 2, 0.13), ("Crema", 2, 0.06), ("Cremona", 1, 0.01),
             (None, 1, None)]
BY_AGE = [(AgeBand.FROM_18_TO_29, 2, 28.6), (AgeBand.FROM_30_TO_44, 1, 14.3), (AgeBand.FROM_45_TO_64, 2, 28.6),
          (AgeBand.OVER_65, 1, 14.3), (None, 1, 14.3)]
ANSWERS = {AnswerStatus.ACCEPTED: 1, AnswerStatus.UNDER_EVALUATION: 1, None: 1}
COMMENT_BODIES = ["Servono più treni la sera.", "Costa troppo.", "Finalmente!", FORMULA, "Si ripaga in pochi anni.",
                  "Dipende dagli orari."]


# --- Reading what people get -----------------------------------------------------------------------

@dataclass
class Table:
    section: str | None
    rows: list[list[str]]  # header included, cell texts with spaces collapsed
    row_classes: list[str]


class Page(HTMLParser):
    """The key figures (<dt>: <dd>), the tables by section, the charts' titles and texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: dict[str, str] = {}
        self.tables: list[Table] = []
        self.charts: dict[str, dict] = {}
        self.links: list[str] = []
        self._sections: list[str | None] = []
        self._table: Table | None = None
        self._cell: list[str] | None = None
        self._dt: list[str] | None = None
        self._dd: list[str] | None = None
        self._last_dt = ""
        self._chart: str | None = None
        self._chart_part: str | None = None

    @classmethod
    def of(cls, response) -> Page:
        assert response.status_code == 200, response.status_code
        page = cls()
        page.feed(response.get_data(as_text=True))
        page.close()
        return page

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "section":
            self._sections.append(a.get("aria-labelledby"))
        elif tag == "table":
            self._table = Table(self._sections[-1] if self._sections else None, [], [])
        elif tag == "tr" and self._table is not None:
            self._table.rows.append([])
            self._table.row_classes.append(a.get("class") or "")
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "dt":
            self._dt = []
        elif tag == "dd":
            self._dd = []
        elif tag == "svg":
            self._chart = a.get("id")
            self.charts[self._chart] = {"title": "", "desc": "", "texts": []}
        elif tag in ("title", "desc", "text") and self._chart:
            self._chart_part = tag
            if tag == "text":
                self.charts[self._chart]["texts"].append("")

    def handle_endtag(self, tag):
        if tag == "section" and self._sections:
            self._sections.pop()
        elif tag in ("td", "th") and self._cell is not None:
            self._table.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None
        elif tag == "dt" and self._dt is not None:
            self._last_dt, self._dt = " ".join("".join(self._dt).split()), None
        elif tag == "dd" and self._dd is not None:
            self.figures[self._last_dt], self._dd = " ".join("".join(self._dd).split()), None
        elif tag == "svg":
            self._chart = None
        elif tag in ("title", "desc", "text"):
            self._chart_part = None

    def handle_data(self, data):
        for part in (self._cell, self._dt, self._dd):
            if part is not None:
                part.append(data)
        if self._chart and self._chart_part:
            chart = self.charts[self._chart]
            if self._chart_part == "text":
                chart["texts"][-1] += data
            else:
                chart[self._chart_part] += data

    def table(self, section: str) -> Table:
        found = [t for t in self.tables if t.section == section]
        assert len(found) == 1, f"{len(found)} tables in section {section}"
        return found[0]

    def body(self, section: str) -> list[list[str]]:
        """A table's rows without its header."""
        return self.table(section).rows[1:]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def read_json(response) -> dict:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def read_xlsx(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.data))
    assert len(workbook.worksheets) == 1
    return [["" if value is None else value for value in row]
            for row in workbook.worksheets[0].iter_rows(values_only=True)]


def read_pdf(data: bytes) -> str:
    """The PDF's text, one line per line, spaces collapsed."""
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
