"""Citizens discuss a proposal (or a whole consultation): comments with a stance, threaded
replies, editing, deleting, useful / not useful votes, and Markdown that cannot hurt anyone.

Every story runs on both kinds of discussion where it applies: the comments under a proposal
(/proposte/<id>) and the general discussion of a consultation (/consultazioni/<id>/discussione).
Pages are read in English (the citizens' account language), so the assertions use the source
strings; comments are found by their anchors, id="commento-<id>".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from engage.comments.models import Comment, CommentVote, Stance
from engage.consultations.phases import Phase
from engage.core.db import utcnow
from engage.votes import tally
from tests.factories import form_token, make_comment, make_consultation, make_proposal, make_user

ENGLISH = {"Accept-Language": "en"}


# --- Reading pages -------------------------------------------------------------------------

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
             "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs, parent: Element | None):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children: list[Element | str] = []

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text() for c in self.children)

    def find(self, tag: str | None = None, **attrs) -> Element | None:
        return next(self.find_all(tag, **attrs), None)

    def find_all(self, tag: str | None = None, **attrs):
        for node in self.walk():
            if node is not self and (tag is None or node.tag == tag) and all(
                    node.has(name.rstrip("_"), value) for name, value in attrs.items()):
                yield node

    def has(self, name: str, value: str) -> bool:
        """An attribute with this value (for class: one of its classes)."""
        if name == "class":
            return value in (self.attrs.get("class") or "").split()
        return self.attrs.get(name) == value


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Element("#document", [], None)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, self.current)
        self.current.children.append(element)
        if tag not in VOID_TAGS:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Element(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


class Page:
    """A page as a visitor sees it: its status, its comments and its forms."""

    def __init__(self, response=None, *, html: str | None = None):
        self.status = response.status_code if response is not None else None
        self.html = response.get_data(as_text=True) if response is not None else html
        builder = _TreeBuilder()
        builder.feed(self.html)
        self.root = builder.root

    @classmethod
    def of(cls, html: str) -> Page:
        return cls(html=html)

    def comment(self, comment_id: int) -> Element:
        found = self.root.find("li", id=f"commento-{comment_id}")
        assert found is not None, f"comment {comment_id} is not on the page"
        return found

    def shows_comment(self, comment_id: int) -> bool:
        return self.root.find("li", id=f"commento-{comment_id}") is not None

    def comment_ids(self) -> list[int]:
        return [int(li.attrs["id"].removeprefix("commento-")) for li in self.root.find_all("li")
                if li.attrs.get("id", "").startswith("commento-")]

    def replies_to(self, comment_id: int) -> list[int]:
        """The comments whose closest enclosing comment is this one."""
        replies = []
        for li in self.comment(comment_id).find_all("li"):
            if not li.attrs.get("id", "").startswith("commento-"):
                continue
            enclosing = next(a for a in li.ancestors() if a.attrs.get("id", "").startswith("commento-"))
            if enclosing.attrs["id"] == f"commento-{comment_id}":
                replies.append(int(li.attrs["id"].removeprefix("commento-")))
        return replies

    def is_folded(self, comment_id: int) -> bool:
        """Inside a <details> element: shown only when the reader opens it."""
        return any(a.tag == "details" for a in self.comment(comment_id).ancestors())

    def stance_summary(self) -> str:
        return self.root.find("p", class_="stance-summary").text()

    def form(self, form_id: str) -> Element | None:
        return self.root.find("form", id=form_id)

    def reply_forms(self) -> list[Element]:
        return [f for f in self.root.find_all("form") if f.attrs.get("id", "").startswith("rispondi-")]

    @staticmethod
    def typed_text(form: Element) -> str:
        """What is in the form's textarea, as the browser would show it."""
        textarea = form.find("textarea", name="body")
        assert textarea is not None, "the form has no text box"
        return textarea.raw_text().removeprefix("\r\n").removeprefix("\n")

    def checked_stance(self) -> str | None:
        for radio in self.root.find_all("input", name="stance"):
            if "checked" in radio.attrs:
                return radio.attrs["value"]
        return None


# --- The places where people discuss -------------------------------------------------------

@dataclass
class Place:
    """A proposal's comments, or a consultation's general discussion."""

    consultation: object
    proposal: object | None

    @property
    def page(self) -> str:
        if self.proposal is not None:
            return f"/proposte/{self.proposal.id}"
        return f"/consultazioni/{self.consultation.id}/discussione"

    @property
    def post_url(self) -> str:
        if self.proposal is not None:
            return f"/proposte/{self.proposal.id}/commenti"
        return f"/consultazioni/{self.consultation.id}/commenti"

    def stored_comments(self, db) -> list[Comment]:
        where = (Comment.proposal_id == self.proposal.id) if self.proposal is not None else \
            (Comment.proposal_id.is_(None))
        return list(db.session.scalars(
            select(Comment).where(Comment.consultation_id == self.consultation.id, where).order_by(Comment.id)))

    def existing_comment(self, **kwargs) -> Comment:
        """A comment already there before the story starts."""
        if self.proposal is not None:
            return make_comment(self.proposal, **kwargs)
        return make_comment(consultation=self.consultation, **kwargs)


def new_place(kind: str, phase: Phase | None = None, **settings) -> Place:
    consultation = make_consultation(phase, **settings)
    return Place(consultation, make_proposal(consultation) if kind == "proposal" else None)


@pytest.fixture(params=["proposal", "consultation"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def place(kind) -> Place:
    return new_place(kind)


def citizen(name: str | None = None):
    return make_user(display_name=name, locale="en")


# --- What people do ------------------------------------------------------------------------

def comment(client, place: Place, body: str, *, stance: str | None = None, reply_to: Comment | None = None):
    data = {"body": body, "csrf_token": form_token(client, place.page)}
    if stance:
        data["stance"] = stance
    if reply_to is not None:
        data["parent_id"] = str(reply_to.id)
    return client.post(place.post_url, data=data)


def posted(db, response) -> Comment:
    """The comment a successful post redirected to."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"#commento-(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return db.session.get(Comment, int(match.group(1)))


def vote(client, place: Place, target: Comment, value: str):
    return client.post(f"/commenti/{target.id}/voto",
                       data={"value": value, "csrf_token": form_token(client, place.page)})


def delete(client, place: Place, target: Comment):
    return client.post(f"/commenti/{target.id}/elimina", data={"csrf_token": form_token(client, place.page)})


def edit(client, target: Comment, body: str):
    url = f"/commenti/{target.id}/modifica"
    return client.post(url, data={"body": body, "csrf_token": form_token(client, url)})


def read(client, url: str) -> Page:
    page = Page(client.get(url, headers=ENGLISH))
    assert page.status == 200
    return page


def votes_of(db, target: Comment, user) -> list[int]:
    return list(db.session.scalars(
        select(CommentVote.value).where(CommentVote.comment_id == target.id, CommentVote.user_id == user.id)))


def live_comment_count(db, proposal) -> int:
    return db.session.scalar(select(func.count()).select_from(Comment)
                             .where(Comment.proposal_id == proposal.id, Comment.deleted_at.is_(None)))


# --- Stories -------------------------------------------------------------------------------

def test_citizens_comment_with_a_stance_and_the_page_counts_them(client_as, db, place):
    voices = [("Anna", "Finalmente una pista ciclabile sicura.", "in_favour"),
              ("Bruno", "Servirebbe anche d'inverno.", "in_favour"),
              ("Carla", "Costa troppo per un comune piccolo.", "against"),
              ("Dario", "Vorrei vedere i numeri prima di decidere.", "neutral"),
              ("Elena", "Una domanda: chi la manterrebbe?", None)]
    comments = []
    for name, body, stance in voices:
        response = comment(client_as(citizen(name)), place, body, stance=stance)
        comments.append(posted(db, response))
        assert response.headers["Location"].startswith(place.page)

    assert [(c.author.display_name, c.body, c.stance) for c in place.stored_comments(db)] == [
        (name, body, Stance(stance) if stance else None) for name, body, stance in voices]
    assert all(c.parent_id is None and c.depth == 0 for c in comments)

    page = read(client_as(citizen()), place.page)
    assert page.stance_summary() == "5 comments · 2 in favour · 1 against · 1 neutral"
    assert page.comment_ids() == [c.id for c in comments]
    assert "Costa troppo per un comune piccolo." in page.comment(comments[2].id).text()
    assert "Against" in page.comment(comments[2].id).find("p", class_="comment-meta").text()
    if place.proposal is not None:
        assert place.proposal.comment_count == 5 == live_comment_count(db, place.proposal)


def test_a_comment_without_a_stance_or_with_an_unknown_one(client_as, db, place):
    anna = client_as(citizen())
    assert posted(db, comment(anna, place, "Nessuna posizione, solo una domanda.")).stance is None
    response = comment(anna, place, "Forse.", stance="maybe")
    assert response.status_code == 422
    assert len(place.stored_comments(db)) == 1


def test_replies_build_a_thread_under_the_comment_they_answer(client_as, db, place):
    anna, bruno, carla = client_as(citizen("Anna")), client_as(citizen("Bruno")), client_as(citizen("Carla"))
    first = posted(db, comment(anna, place, "Propongo di partire dal centro.", stance="in_favour"))
    reply = posted(db, comment(bruno, place, "Meglio dalle frazioni.", reply_to=first))
    # A stance belongs to a top-level comment: one sent with a reply is not kept.
    answer = posted(db, comment(carla, place, "Perché dalle frazioni?", reply_to=reply, stance="against"))
    second_reply = posted(db, comment(carla, place, "D'accordo con Anna.", reply_to=first))

    assert (reply.parent_id, reply.depth) == (first.id, 1)
    assert (answer.parent_id, answer.depth, answer.stance) == (reply.id, 2, None)
    assert (second_reply.parent_id, second_reply.depth) == (first.id, 1)

    page = read(anna, place.page)
    assert page.replies_to(first.id) == [reply.id, second_reply.id]
    assert page.replies_to(reply.id) == [answer.id]
    assert page.replies_to(answer.id) == []
    assert page.stance_summary() == "4 comments · 1 in favour · 0 against · 0 neutral"
    if place.proposal is not None:
        assert place.proposal.comment_count == 4


def test_a_thread_five_levels_deep_shows_three_levels_and_folds_the_rest(client_as, db, place):
    people = [client_as(citizen()) for _ in range(5)]
    chain, parent = [], None
    for level, person in enumerate(people, start=1):
        parent = posted(db, comment(person, place, f"Risposta di livello {level}.", reply_to=parent))
        chain.append(parent)
    assert [c.depth for c in chain] == [0, 1, 2, 3, 4]

    page = read(people[0], place.page)
    assert [page.is_folded(c.id) for c in chain] == [False, False, False, True, True]
    folded = next(page.comment(chain[2].id).find_all("details"))
    assert folded.find("summary") is not None
    assert page.replies_to(chain[3].id) == [chain[4].id]
    assert page.stance_summary().startswith("5 comments")


def test_the_reply_form_opens_under_the_comment_chosen_with_rispondi(client_as, client, db, place):
    first = place.existing_comment(body="Primo commento.")
    second = place.existing_comment(body="Secondo commento.")
    reader = client_as(citizen())

    assert read(reader, place.page).reply_forms() == []
    page = read(reader, f"{place.page}?rispondi={second.id}")
    (form,) = page.reply_forms()
    assert form.attrs["id"] == f"rispondi-{second.id}"
    assert form.attrs["action"] == place.post_url
    assert any(a is page.comment(second.id) for a in form.ancestors())
    assert form.find("input", name="parent_id").attrs["value"] == str(second.id)
    assert form.find("textarea", name="body") is not None
    assert page.form(f"rispondi-{first.id}") is None
    # Each comment offers the link that opens its reply form.
    assert page.comment(first.id).find("a", href=f"?rispondi={first.id}#rispondi-{first.id}") is not None

    # Someone who is not signed in gets no reply form.
    anonymous = Page(client.get(f"{place.page}?rispondi={second.id}", headers=ENGLISH))
    assert anonymous.status == 200 and anonymous.reply_forms() == []


TOO_LONG = ("Una proposta dettagliata. " * 200)[:5000] + "!"  # 5001 characters
LONGEST = TOO_LONG[:4999] + "!"  # 5000 characters


@pytest.mark.parametrize("body", ["", "   \n  ", TOO_LONG], ids=["empty", "blank", "5001-characters"])
def test_a_refused_comment_comes_back_with_the_typed_text(client_as, db, place, body):
    anna = client_as(citizen())
    response = comment(anna, place, body, stance="against")
    assert response.status_code == 422
    page = Page(response)
    form = page.form("nuovo-commento")
    assert form is not None and page.typed_text(form) == body
    assert page.checked_stance() == "against"
    assert page.root.find(id="form-errors") is not None
    assert place.stored_comments(db) == []


def test_a_comment_of_exactly_5000_characters_is_accepted(client_as, db, place):
    assert len(LONGEST) == 5000 and len(TOO_LONG) == 5001
    assert posted(db, comment(client_as(citizen()), place, LONGEST)).body == LONGEST


@pytest.mark.parametrize("body", ["", TOO_LONG], ids=["empty", "5001-characters"])
def test_a_refused_reply_comes_back_under_its_comment_with_the_typed_text(client_as, db, place, body):
    first = place.existing_comment(body="Ci vuole più verde.")
    response = comment(client_as(citizen()), place, body, reply_to=first)
    assert response.status_code == 422
    page = Page(response)
    form = page.form(f"rispondi-{first.id}")
    assert form is not None, "the reply form is not shown again"
    assert any(a is page.comment(first.id) for a in form.ancestors())
    assert page.typed_text(form) == body
    assert [c.id for c in place.stored_comments(db)] == [first.id]


@pytest.mark.parametrize("closed_by", ["comments_disabled", "consultation_closed"])
@pytest.mark.parametrize("what", ["comment", "reply"])
def test_when_comments_are_closed_posting_keeps_the_text_and_stores_nothing(client_as, db, kind, closed_by, what):
    if closed_by == "comments_disabled":
        place = new_place(kind, comments_enabled=False)
    else:
        place = new_place(kind, Phase.CLOSED)
    earlier = place.existing_comment(body="Scritto quando si poteva.")
    anna = client_as(citizen())
    assert read(anna, place.page).form("nuovo-commento") is None

    text = "Vorrei comunque dire la mia."
    if what == "comment":
        response = comment(anna, place, text, stance="in_favour")
        form_id = "nuovo-commento"
    else:
        response = comment(anna, place, text, reply_to=earlier)
        form_id = f"rispondi-{earlier.id}"
    assert response.status_code == 422
    assert [c.id for c in place.stored_comments(db)] == [earlier.id]
    page = Page(response)
    form = page.form(form_id)
    assert form is not None, f"the refused {what} is not shown again: its text is lost"
    assert page.typed_text(form) == text


def test_the_author_edits_a_comment_within_15_minutes(client_as, db, place):
    anna = client_as(citizen("Anna"))
    mine = posted(db, comment(anna, place, "La pista dovrebbe arrivare a Gadesco.", stance="in_favour"))
    page = read(anna, place.page)
    assert page.comment(mine.id).find("a", href=f"/commenti/{mine.id}/modifica") is not None
    assert "edited" not in page.comment(mine.id).find("p", class_="comment-meta").text()

    form_page = Page(anna.get(f"/commenti/{mine.id}/modifica", headers=ENGLISH))
    assert form_page.status == 200
    (edit_form,) = [f for f in form_page.root.find_all("form") if f.find("textarea", name="body")]
    assert form_page.typed_text(edit_form) == mine.body

    response = edit(anna, mine, "La pista dovrebbe arrivare a Gadesco-Pieve Delmona.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{place.page}#commento-{mine.id}")
    assert mine.body == "La pista dovrebbe arrivare a Gadesco-Pieve Delmona."
    assert mine.edited_at is not None and mine.stance is Stance.IN_FAVOUR

    page = read(anna, place.page)
    assert "Gadesco-Pieve Delmona" in page.comment(mine.id).text()
    assert "edited" in page.comment(mine.id).find("p", class_="comment-meta").text()

    # An empty edit is refused and changes nothing.
    assert edit(anna, mine, "  ").status_code == 422
    assert mine.body == "La pista dovrebbe arrivare a Gadesco-Pieve Delmona."

    # Nobody else can edit it.
    bruno = client_as(citizen("Bruno"))
    assert bruno.get(f"/commenti/{mine.id}/modifica").status_code == 403
    assert edit(bruno, mine, "Testo di Bruno.").status_code == 403
    assert mine.body == "La pista dovrebbe arrivare a Gadesco-Pieve Delmona."


def test_after_15_minutes_the_comment_can_no_longer_be_edited(client_as, db, place):
    anna = client_as(citizen())
    mine = posted(db, comment(anna, place, "Prima versione."))
    mine.created_at = utcnow() - timedelta(minutes=16)
    db.session.flush()

    assert anna.get(f"/commenti/{mine.id}/modifica").status_code == 403
    assert edit(anna, mine, "Seconda versione.").status_code == 403
    assert (mine.body, mine.edited_at) == ("Prima versione.", None)
    page = read(anna, place.page)
    assert page.comment(mine.id).find("a", href=f"/commenti/{mine.id}/modifica") is None


def test_the_author_deletes_a_comment_and_its_replies_stay(client_as, db, place):
    anna, bruno = client_as(citizen("Anna")), client_as(citizen("Bruno"))
    mine = posted(db, comment(anna, place, "Un parcheggio al posto del giardino.", stance="in_favour"))
    reply = posted(db, comment(bruno, place, "No, il giardino serve ai bambini.", reply_to=mine))
    other = posted(db, comment(bruno, place, "Meglio un parcheggio interrato.", stance="neutral"))

    # Only the author can delete it.
    assert delete(bruno, place, mine).status_code == 403
    assert mine.deleted_at is None

    response = delete(anna, place, mine)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{place.page}#commento-{mine.id}")
    assert mine.deleted_at is not None and mine.body == ""
    assert reply.deleted_at is None and reply.body == "No, il giardino serve ai bambini."
    assert delete(anna, place, mine).status_code == 403  # once is enough

    page = read(bruno, place.page)
    shown = page.comment(mine.id)
    assert "Deleted by the author." in shown.text()
    assert "Un parcheggio al posto del giardino." not in page.html
    assert page.replies_to(mine.id) == [reply.id]
    assert "No, il giardino serve ai bambini." in page.comment(reply.id).text()
    # The deleted comment no longer counts, nor does its stance.
    assert page.stance_summary() == "2 comments · 0 in favour · 0 against · 1 neutral"
    # Nobody can vote on, or reply to, what is no longer there.
    assert shown.find("form", action=f"/commenti/{mine.id}/voto") is None
    assert vote(bruno, place, mine, "up").status_code == 403
    assert other.id in page.comment_ids()
    if place.proposal is not None:
        assert place.proposal.comment_count == 2 == live_comment_count(db, place.proposal)


def test_comment_counts_and_the_recount_agree_after_a_whole_discussion(client_as, db, client):
    place = new_place("proposal")
    anna, bruno, carla = client_as(citizen("Anna")), client_as(citizen("Bruno")), client_as(citizen("Carla"))

    a1 = posted(db, comment(anna, place, "Sì, ma con più alberi.", stance="in_favour"))
    b1 = posted(db, comment(bruno, place, "No: troppo traffico.", stance="against"))
    c1 = posted(db, comment(carla, place, "Quanti alberi?", reply_to=a1))
    a2 = posted(db, comment(anna, place, "Almeno cinquanta.", reply_to=c1))
    posted(db, comment(carla, place, "Da valutare.", stance="neutral"))
    # refused attempts change nothing
    assert comment(bruno, place, "").status_code == 422
    assert comment(bruno, place, TOO_LONG, reply_to=a1).status_code == 422
    # an edit, a deletion with replies under it, a deletion of a reply, and some votes
    assert edit(bruno, b1, "No: troppo traffico in via Dante.").status_code == 302
    assert delete(anna, place, a1).status_code == 302
    assert delete(anna, place, a2).status_code == 302
    assert vote(carla, place, b1, "down").status_code == 302
    assert vote(anna, place, b1, "up").status_code == 302

    live = live_comment_count(db, place.proposal)
    assert live == 3  # b1, c1 and Carla's neutral comment
    assert place.proposal.comment_count == live
    page = read(client, place.page)
    assert page.stance_summary() == "3 comments · 0 in favour · 1 against · 1 neutral"
    result = tally.recount(place.consultation.id)
    assert (result.checked, result.corrected) == (1, [])
    listing = client.get(f"/consultazioni/{place.consultation.id}/proposte", headers=ENGLISH)
    assert listing.status_code == 200
    assert re.search(r"<span>3 comments</span>", listing.get_data(as_text=True))


def test_useful_and_not_useful_votes_one_per_person(client_as, db, place):
    author = citizen("Anna")
    target = place.existing_comment(author=author, body="Più autobus la sera.")
    bruno, carla = citizen("Bruno"), citizen("Carla")
    as_bruno, as_carla, as_author = client_as(bruno), client_as(carla), client_as(author)

    def shown_votes(client) -> tuple[str, dict]:
        node = read(client, place.page).comment(target.id)
        buttons = {b.text(): b.attrs for b in node.find_all("button") if b.attrs.get("name") == "value"}
        return node.find("div", class_="comment-actions").find("span").text(), buttons

    response = vote(as_bruno, place, target, "up")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{place.page}#commento-{target.id}")
    assert votes_of(db, target, bruno) == [1]
    summary, buttons = shown_votes(as_bruno)
    assert summary == "1 up, 0 down"
    assert buttons["Useful"].get("aria-pressed") == "true" and buttons["Useful"]["value"] == "none"
    assert "aria-pressed" not in buttons["Not useful"]

    assert vote(as_bruno, place, target, "up").status_code == 302  # again: still one vote
    assert votes_of(db, target, bruno) == [1]

    assert vote(as_bruno, place, target, "down").status_code == 302  # changes his mind
    assert votes_of(db, target, bruno) == [-1]
    assert vote(as_carla, place, target, "down").status_code == 302
    assert shown_votes(as_carla)[0] == "0 up, 2 down"

    assert vote(as_bruno, place, target, "none").status_code == 302  # takes it back
    assert votes_of(db, target, bruno) == []
    summary, buttons = shown_votes(as_bruno)
    assert summary == "0 up, 1 down"
    assert not any("aria-pressed" in attrs for attrs in buttons.values())

    # Nobody votes on their own comment, and nonsense values are refused.
    assert shown_votes(as_author)[1] == {}
    assert vote(as_author, place, target, "up").status_code == 403
    assert votes_of(db, target, author) == []
    assert vote(as_carla, place, target, "sideways").status_code == 400
    assert votes_of(db, target, carla) == [-1]


MARKDOWN_WITH_TRAPS = """\
Guardate [il progetto](https://example.org/piste) e **leggete** tutto.

<script>alert('script')</script>

<img src="x" onerror="alert('img')">

[premi qui](javascript:alert('link')) oppure <a href="javascript:alert('a')" onclick="alert('a')">qui</a>

<https://example.org/altro>
"""


def assert_harmless(page: Page):
    for element in page.root.walk():
        assert element.tag not in ("script", "iframe", "object", "embed", "img"), element.tag
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on"), (element.tag, name, value)
            assert not (value or "").strip().lower().startswith("javascript:"), (element.tag, name, value)
    assert "<script" not in page.html.lower()


def test_markdown_is_sanitised_and_links_are_marked_nofollow_ugc(client_as, db, place, client):
    anna = client_as(citizen())
    mine = posted(db, comment(anna, place, MARKDOWN_WITH_TRAPS))

    for reader in (client, client_as(citizen())):
        page = Page(reader.get(place.page, headers=ENGLISH))
        assert page.status == 200
        assert_harmless(page)
        shown = page.comment(mine.id)
        assert shown.find("strong") is not None  # Markdown itself still works
        links = {a.attrs["href"]: a.attrs.get("rel", "").split()
                 for a in shown.find("div", class_="markdown").find_all("a")}
        assert set(links) == {"https://example.org/piste", "https://example.org/altro"}
        for rel in links.values():
            assert "nofollow" in rel and "ugc" in rel

    # The edit form and a refused comment echo the text back, escaped.
    assert_harmless(Page(anna.get(f"/commenti/{mine.id}/modifica")))
    refused = Page(comment(anna, place, MARKDOWN_WITH_TRAPS + TOO_LONG))
    assert refused.status == 422
    assert_harmless(refused)
    assert edit(anna, mine, "Ora con <script>alert('edit')</script> [x](javascript:alert(1))").status_code == 302
    assert_harmless(read(anna, place.page))
