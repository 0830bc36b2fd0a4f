"""Building questionnaires for tests through the real services, answering them the way the web
form does, and reading back what a browser would see on a page."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from engage.auth.models import Role
from engage.consultations.phases import Phase
from engage.extensions import db
from engage.questionnaires import answering, services
from engage.questionnaires.models import Answer, Question, QuestionKind, QuestionOption, Response
from tests.factories import form_token, institution, make_consultation, make_user

K = QuestionKind


def make_questionnaire(consultation=None, *, phase=Phase.PROPOSALS, open_phase=Phase.PROPOSALS,
                       anonymous=False, published=True, questions=None):
    """A questionnaire with one question of every kind (or `questions`: (kind, text, extra) triples)."""
    consultation = consultation or make_consultation(phase)
    admin = make_user(Role.ADMIN)
    questionnaire = services.create_questionnaire(
        admin, consultation, title_it="Questionario di prova", intro_it="Grazie per il tempo.",
        open_phase=open_phase, anonymous=anonymous)
    for kind, text, extra in questions or every_kind():
        services.add_question(admin, questionnaire, kind, text_it=text, **extra)
    if published:
        services.publish(admin, questionnaire)
    db.session.flush()
    return questionnaire


def every_kind():
    """A section heading, then one question of each answerable kind:

    - single choice, required, with "other" (3 options)
    - multiple choice, optional, from 2 to 3 selections, with "other" (4 options)
    - scale, required
    - ranking of 3 options, optional
    - short and long text, optional
    """
    return [
        (QuestionKind.SECTION, "Chi sei", {}),
        (QuestionKind.SINGLE, "Come ti sposti di solito?", {
            "required": True, "has_other": True,
            "options": [("A piedi", "On foot"), ("In bicicletta", "By bike"), ("In auto", "By car")]}),
        (QuestionKind.MULTIPLE, "Quali servizi usi?", {
            "min_choices": 2, "max_choices": 3, "has_other": True,
            "options": [("Biblioteca", None), ("Piscina", None), ("Teatro", None), ("Museo", None)]}),
        (QuestionKind.SCALE, "Quanto sei soddisfatto dei trasporti?", {
            "required": True, "low_label_it": "Per nulla", "high_label_it": "Moltissimo"}),
        (QuestionKind.RANKING, "Ordina le priorità", {
            "options": [("Scuole", None), ("Strade", None), ("Verde", None)]}),
        (QuestionKind.SHORT_TEXT, "Il tuo quartiere", {}),
        (QuestionKind.LONG_TEXT, "Un suggerimento", {}),
    ]


def question(questionnaire, kind: QuestionKind):
    return next(q for q in questionnaire.questions if q.kind is kind)


def option_id(question_, label: str) -> str:
    return str(next(o.id for o in question_.options if o.label_it == label))


# --- People ------------------------------------------------------------------------------------

def citizen(**kwargs):
    """A confirmed citizen of Cremona who reads the site in English (assertions use msgids)."""
    return make_user(locale="en", **kwargs)


def officer(slug: str = "provincia-cremona", **kwargs):
    return make_user(locale="en", officer_of=institution(slug), **kwargs)


# --- Answering -----------------------------------------------------------------------------------

def form_data(q, *, single=None, single_other=None, multiple=(), multiple_other=None, scale=None,
              ranking=(), short=None, long=None) -> dict:
    """What the answering form posts for the every_kind() questionnaire, given option labels.

    `single="other"` (or "other" in `multiple`) ticks "Other"; `ranking` lists labels first to last.
    """
    single_q, multiple_q = question(q, K.SINGLE), question(q, K.MULTIPLE)
    scale_q, ranking_q = question(q, K.SCALE), question(q, K.RANKING)
    data = {}
    if single is not None:
        data[single_q.field_name] = "other" if single == "other" else option_id(single_q, single)
    if single_other is not None:
        data[f"{single_q.field_name}_other"] = single_other
    if multiple:
        data[multiple_q.field_name] = ["other" if label == "other" else option_id(multiple_q, label)
                                       for label in multiple]
    if multiple_other is not None:
        data[f"{multiple_q.field_name}_other"] = multiple_other
    if scale is not None:
        data[scale_q.field_name] = str(scale)
    for rank, label in enumerate(ranking, start=1):
        data[f"{ranking_q.field_name}_o{option_id(ranking_q, label)}"] = str(rank)
    if short is not None:
        data[question(q, K.SHORT_TEXT).field_name] = short
    if long is not None:
        data[question(q, K.LONG_TEXT).field_name] = long
    return data


def forget_answer_rows() -> None:
    """Each request has its own session in production; here tests and requests share one. Answer
    rows an earlier request loaded or wrote are dropped from it before the next write: the service
    deletes old rows in bulk, and SQLite gives the new rows the ids of the deleted ones."""
    for item in list(db.session.identity_map.values()):
        if isinstance(item, Answer):
            db.session.expunge(item)


def send(browser, q, data: dict, action: str = "submit"):
    """Post the answering form as the browser would, with the page's CSRF token."""
    url = f"/questionari/{q.id}"
    token = form_token(browser, url)  # a GET, which loads the stored answers
    forget_answer_rows()
    return browser.post(url, data={**data, "csrf_token": token, "action": action})


def answer_directly(user, q, data: dict, *, submit: bool = True) -> Response:
    """The same checks and writes as the form, without HTTP: for building many responses fast."""
    shown = answering.shown_from_form(q, MultiDict([(k, v) for k, vs in data.items()
                                                    for v in (vs if isinstance(vs, list) else [vs])]))
    given, errors = answering.parse(q, shown, complete=submit)
    assert not errors, errors
    forget_answer_rows()
    response = services.save_response(user, q, given, submit=submit)
    db.session.flush()
    return response


def responses_to(q) -> list[Response]:
    return list(db.session.scalars(select(Response).where(Response.questionnaire_id == q.id)
                                   .order_by(Response.id)))


def response_count(q) -> int:
    return db.session.scalar(select(func.count()).select_from(Response).where(Response.questionnaire_id == q.id))


def stored(response) -> dict[str, object]:
    """A response's rows, read back as {question text: what it says}, fresh from the database.

    Choices: a set of option labels ("other: <text>" for Other); scale: the number; ranking:
    labels first to last; text: the text.
    """
    rows = db.session.execute(
        select(Question.kind, Question.text_it, QuestionOption.label_it, Answer.option_id, Answer.value, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(QuestionOption, QuestionOption.id == Answer.option_id)
        .where(Answer.response_id == response.id)
        .order_by(Answer.question_id, Answer.value, Answer.id)).all()
    out: dict[str, object] = {}
    for kind, text, label, option, value, written in rows:
        if kind is K.SCALE:
            out[text] = value
        elif kind.is_text:
            out[text] = written
        elif kind is K.RANKING:
            out.setdefault(text, []).append(label)
        else:
            out.setdefault(text, set()).add(label if option else f"other: {written}")
    return out


# --- Reading pages -------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Table:
    caption: str
    rows: list[list[str]]  # every row, header included, as cell texts
    section: str | None  # the aria-labelledby of the section holding it


class Page(HTMLParser):
    """The parts of a page a test reads: form state by field name, text by element id, tables."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.checked: dict[str, set[str]] = {}  # radios and checkboxes: the ticked values
        self.inputs: dict[str, str] = {}  # text inputs and textareas
        self.selected: dict[str, str] = {}  # selects: the chosen option's value
        self.disabled: set[str] = set()
        self.text_by_id: dict[str, str] = defaultdict(str)
        self.classes_by_id: dict[str, str] = {}
        self.tables: list[Table] = []
        self.links: list[str] = []
        self.ids: list[str] = []  # element ids in page order
        self.section_of: dict[str, str | None] = {}  # element id -> aria-labelledby of its section
        self._open: list[tuple[str, str | None]] = []
        self._textarea = self._select = None
        self._sections: list[str | None] = []
        self._table = self._cell = None

    @classmethod
    def of(cls, html: str) -> Page:
        page = cls()
        page.feed(html if isinstance(html, str) else html.get_data(as_text=True))
        page.close()
        return page

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "input" and name:
            if a.get("type") in ("radio", "checkbox"):
                self.checked.setdefault(name, set())
                if "checked" in a:
                    self.checked[name].add(a.get("value", "on"))
            elif a.get("type") not in ("hidden", "submit", "button", "image", "reset", "file"):
                self.inputs[name] = a.get("value") or ""
            if "disabled" in a:
                self.disabled.add(name)
        if tag == "textarea" and name:
            self._textarea = name
            self.inputs[name] = ""
            if "disabled" in a:
                self.disabled.add(name)
        if tag == "select" and name:
            self._select = name
            self.selected.setdefault(name, "")
            if "disabled" in a:
                self.disabled.add(name)
        if tag == "option" and self._select and "selected" in a:
            self.selected[self._select] = a.get("value", "")
        if tag == "section":
            self._sections.append(a.get("aria-labelledby"))
        if tag == "table":
            self._table = Table("", [], self._sections[-1] if self._sections else None)
        if tag == "tr" and self._table is not None:
            self._table.rows.append([])
        if tag in ("td", "th") and self._table is not None:
            self._cell = []
        if tag not in VOID:
            self._open.append((tag, a.get("id")))
            if a.get("id"):
                self.classes_by_id[a["id"]] = a.get("class", "")
                self.ids.append(a["id"])
                self.section_of[a["id"]] = self._sections[-1] if self._sections else None

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = None
        if tag == "section" and self._sections:
            self._sections.pop()
        if tag in ("td", "th") and self._table is not None and self._cell is not None:
            self._table.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        if tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None
        if tag in VOID:
            return
        while self._open:
            open_tag, _id = self._open.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._textarea:
            if not self.inputs[self._textarea]:  # browsers drop a textarea's first newline
                data = data.removeprefix("\r").removeprefix("\n")
            self.inputs[self._textarea] += data
        if self._cell is not None:
            self._cell.append(data)
        if self._table is not None and self._open and self._open[-1][0] == "caption":
            self._table.caption += data.strip()
        for _tag, element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data

    def text(self, element_id: str) -> str:
        return " ".join(self.text_by_id.get(element_id, "").split())

    def fields_of(self, question_) -> dict[str, object]:
        """The form state of one question: {field name: set of ticked values, or typed text}."""
        name = question_.field_name
        state = {}
        for source in (self.checked, self.inputs, self.selected):
            for key, value in source.items():
                if key == name or key.startswith(name + "_"):
                    state[key] = set(value) if isinstance(value, set) else value
        return state

    def tables_of(self, question_) -> list[Table]:
        return [t for t in self.tables if t.section == f"result-{question_.id}"]


def posted_fields(question_, data: dict) -> dict[str, object]:
    """What the form should show for one question after posting `data` (nothing dropped)."""
    name = question_.field_name
    kind = question_.kind
    state: dict[str, object] = {}
    if kind in (K.SINGLE, K.MULTIPLE, K.SCALE):
        value = data.get(name, [])
        state[name] = set(value if isinstance(value, list) else [value])
    if kind in (K.SINGLE, K.MULTIPLE) and question_.has_other:
        state[f"{name}_other"] = data.get(f"{name}_other", "")
    if kind is K.RANKING:
        for option in question_.options:
            state[f"{name}_o{option.id}"] = data.get(f"{name}_o{option.id}", "")
    if kind.is_text:
        state[name] = data.get(name, "")
    return state


# --- A small survey with figures worked out by hand ---------------------------------------------

# Who answered what (every_kind questionnaire), in this order, so answer ids grow down the list:
#   name  comune          age band  single          multiple                    scale ranking (1st..3rd)     text
SURVEY = [
    ("A", "Cremona", "18_29", dict(single="A piedi", multiple=("Biblioteca", "Piscina"), scale=5,
                                   ranking=("Verde", "Scuole", "Strade"), short="Cristo Re")),
    ("B", "Cremona", "30_44", dict(single="In bicicletta", multiple=("Biblioteca", "Teatro", "other"),
                                   multiple_other="Cinema", scale=4, ranking=("Scuole", "Verde", "Strade"),
                                   long="Più piste ciclabili")),
    ("C", "Crema", "30_44", dict(single="In bicicletta", multiple=("Piscina", "Teatro"), scale=4,
                                 ranking=("Verde", "Strade", "Scuole"), short="Ombriano")),
    ("D", "Casalmaggiore", None, dict(single="other", single_other="Monopattino", scale=2,
                                      long="Treni più frequenti")),
    ("E", "Castelvisconti", "65_plus", dict(single="In auto", multiple=("Biblioteca", "Museo"), scale=1,
                                            ranking=("Strade", "Scuole", "Verde"), short="Centro")),
    ("G", None, "18_29", dict(single="A piedi", scale=3)),
]
# F only saved a draft: it is never counted.
DRAFT = ("F", "Cremona", "45_64", dict(single="In auto", scale=5, short="Bozza mai inviata"))


def person(comune, age_band, **kwargs):
    from engage.auth.models import AgeBand

    user = citizen(comune=comune, **kwargs)
    user.age_band = AgeBand(age_band) if age_band else None
    db.session.flush()
    return user


def build_survey(q=None, *, anonymous=False):
    """The SURVEY answered (and F's draft saved); returns (questionnaire, {name: user})."""
    q = q or make_questionnaire(anonymous=anonymous)
    people = {}
    for name, comune, band, answers in SURVEY:
        people[name] = person(comune, band)
        answer_directly(people[name], q, form_data(q, **answers))
    name, comune, band, answers = DRAFT
    people[name] = person(comune, band)
    answer_directly(people[name], q, form_data(q, **answers), submit=False)
    db.session.commit()
    return q, people


def text_answer(q, text: str) -> Answer:
    return db.session.scalar(select(Answer).join(Response).where(Response.questionnaire_id == q.id,
                                                                 Answer.text == text))
