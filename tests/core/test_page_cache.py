"""Anonymous visitors are served the busy public pages from a shared cache, and never a stale one.

A citizen's support, a moderator's decision or any other write must show at once; a signed-in
person is never served a cached page; each visitor gets their own CSRF token in a cached page;
a phase that begins by the clock ends the cached pages that came before it.
"""
from __future__ import annotations

import os
import re
import time
from datetime import timedelta

import pytest

from engage.consultations.phases import Phase
from engage.core import pagecache
from engage.core.db import utcnow
from engage.extensions import cache
from tests.factories import form_token, make_consultation, make_proposal, make_user
from tests.waiting import wait_for


@pytest.fixture
def page_cache(app, db):
    """The page cache on, in this process's memory (the tests are one process)."""
    saved = {name: app.config.get(name) for name in ("CACHE_TYPE", "PAGE_CACHE_SINGLE_PROCESS")}
    app.config.update(CACHE_TYPE="SimpleCache", PAGE_CACHE_SINGLE_PROCESS=True)
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300})
    app.extensions["engage_recent_pages"] = pagecache.RecentPages()
    yield cache
    app.config.update(saved)
    cache.init_app(app, config={"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True})


def served_from_cache(response) -> bool:
    return response.headers.get("X-Page-Cache") == "hit"


def supports_shown(html: str, proposal) -> int:
    return int(re.search(r'id="supports-title"[^>]*>\s*(\d+)', html).group(1))


def test_the_second_anonymous_visit_of_a_proposal_is_served_without_touching_the_database(
        page_cache, app, db, count_queries):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, title="Più corse serali degli autobus")
    db.session.commit()
    first = app.test_client().get(f"/proposte/{proposal.id}")
    assert first.headers["X-Page-Cache"] == "miss"
    with count_queries() as queries:
        second = app.test_client().get(f"/proposte/{proposal.id}")
    assert served_from_cache(second)
    assert len(queries) == 0
    assert "Più corse serali degli autobus" in second.get_data(as_text=True)


def a_second_later(monkeypatch) -> None:
    """Move this process's clock past the second of grace (the wall clock is left alone)."""
    real = pagecache.time.monotonic
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: real() + 1.5)


def support_as_a_citizen(client_as, db, proposal) -> None:
    citizen = client_as(make_user())
    db.session.commit()
    token = form_token(citizen, f"/proposte/{proposal.id}")
    assert citizen.post(f"/proposte/{proposal.id}/sostieni", data={"csrf_token": token}).status_code == 302


def test_a_support_shows_on_the_cached_pages_within_a_second(page_cache, app, db, client_as, monkeypatch):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    db.session.commit()
    visitor = app.test_client()
    assert supports_shown(visitor.get(f"/proposte/{proposal.id}").get_data(as_text=True), proposal) == 0
    assert served_from_cache(visitor.get(f"/proposte/{proposal.id}"))

    support_as_a_citizen(client_as, db, proposal)

    # For a second, anonymous visitors may still get the page from before (marked so)...
    just_after = visitor.get(f"/proposte/{proposal.id}")
    assert just_after.headers["X-Page-Cache"] == "stale"
    # ...then the support shows.
    a_second_later(monkeypatch)
    again = visitor.get(f"/proposte/{proposal.id}")
    assert again.headers["X-Page-Cache"] == "miss"
    assert supports_shown(again.get_data(as_text=True), proposal) == 1


def test_without_the_second_of_grace_a_support_shows_at_once(page_cache, app, db, client_as, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_STALE_SECONDS", 0)
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    db.session.commit()
    visitor = app.test_client()
    visitor.get(f"/proposte/{proposal.id}")
    assert served_from_cache(visitor.get(f"/proposte/{proposal.id}"))

    support_as_a_citizen(client_as, db, proposal)

    again = visitor.get(f"/proposte/{proposal.id}")
    assert not served_from_cache(again) and again.headers["X-Page-Cache"] != "stale"
    assert supports_shown(again.get_data(as_text=True), proposal) == 1


def test_signed_in_people_are_never_served_a_cached_page(page_cache, app, db, client_as):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    citizen = client_as(make_user(display_name="Giulia"))
    db.session.commit()
    app.test_client().get(f"/proposte/{proposal.id}")
    for _ in range(2):
        response = citizen.get(f"/proposte/{proposal.id}")
        assert "X-Page-Cache" not in response.headers
        assert "Giulia" in response.get_data(as_text=True)


def test_each_visitor_gets_their_own_csrf_token_in_a_cached_page_and_it_works(page_cache, app, db):
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    token_of_first = form_token(first, "/")
    response = second.get("/")
    assert served_from_cache(response)
    token_of_second = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert token_of_second != token_of_first
    assert "\x00" not in response.get_data(as_text=True)
    switched = second.post("/lingua", data={"lang": "en", "next": "/", "csrf_token": token_of_second})
    assert switched.status_code == 302
    assert 'lang="en"' in second.get("/").get_data(as_text=True)


def test_italian_and_english_pages_are_kept_apart(page_cache, app, db):
    db.session.commit()
    italian = app.test_client().get("/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    english = app.test_client().get("/", headers={"Accept-Language": "en"})
    assert not served_from_cache(english)
    assert 'lang="en"' in english.get_data(as_text=True) and 'lang="it"' in italian


def test_a_visitor_with_a_message_waiting_sees_it(page_cache, app, db, client_as):
    """Signing out leaves a message for the next page: that page is built for them."""
    db.session.commit()
    app.test_client().get("/")
    citizen = client_as(make_user())
    db.session.commit()
    token = form_token(citizen, "/profilo")
    citizen.post("/esci", data={"csrf_token": token})
    response = citizen.get("/")
    assert not served_from_cache(response)
    assert 'role="status"' in response.get_data(as_text=True)


def test_the_random_order_keeps_its_shuffle_per_visitor_in_the_cache(page_cache, app, db):
    consultation = make_consultation(Phase.VOTING)
    for number in range(12):
        make_proposal(consultation, title=f"Proposta numero {number}")
    db.session.commit()
    url = f"/consultazioni/{consultation.id}/proposte"
    visitor = app.test_client()
    first = visitor.get(url).get_data(as_text=True)
    again = visitor.get(url)
    assert served_from_cache(again) and again.get_data(as_text=True) == first
    orders = {tuple(re.findall(r'href="/proposte/(\d+)"', app.test_client().get(url).get_data(as_text=True)))
              for _ in range(12)}
    assert len(orders) > 1, "every visitor got the same shuffle"


def test_a_page_this_process_keeps_nearby_is_retired_with_its_generation(page_cache, app, db, monkeypatch):
    """Another node's write bumps the shared generation: the copy kept in this process is not served."""
    db.session.commit()
    app.test_client().get("/")
    assert served_from_cache(app.test_client().get("/"))
    with app.app_context():
        pagecache.invalidate()  # as after a commit on another node
    assert app.test_client().get("/").headers["X-Page-Cache"] == "stale"  # the second of grace
    a_second_later(monkeypatch)
    assert app.test_client().get("/").headers["X-Page-Cache"] == "miss"


def test_the_pages_kept_nearby_stay_within_their_memory_budget():
    pages = pagecache.RecentPages(budget=1000)
    for number in range(10):
        pages.put(f"page {number}", 1, float("inf"), b"x" * 300)
    assert pages.size <= 1000
    assert pages.get("page 9", 1) == b"x" * 300 and pages.get("page 0", 1) is None
    assert pages.get("page 9", 2) is None


def test_a_page_is_kept_no_longer_than_until_the_next_phase_begins(page_cache, app, db):
    make_consultation(Phase.PROPOSALS, voting_from=utcnow() + timedelta(seconds=12))
    db.session.flush()
    with app.test_request_context("/"):
        assert pagecache.seconds_to_keep() <= 13
    assert app.config["PAGE_CACHE_SECONDS"] >= 13


def test_without_a_shared_store_nothing_is_cached(app, db):
    """A per-process store could not be emptied by a write on another node: off by default."""
    db.session.commit()
    app.test_client().get("/")
    assert "X-Page-Cache" not in app.test_client().get("/").headers


@pytest.mark.skipif(not os.environ.get("ENGAGE_TEST_REDIS_URL"), reason="needs Redis: set ENGAGE_TEST_REDIS_URL")
def test_a_write_on_one_node_reaches_the_pages_of_every_node(app, db):
    """Two app servers sharing one Redis: a support committed through one ends the pages of the other."""
    from engage import create_app

    url = os.environ["ENGAGE_TEST_REDIS_URL"]
    nodes = [create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SECRET_KEY": "test-only-secret", "CACHE_REDIS_URL": url,
                         "CACHE_KEY_PREFIX": f"engage-test-{os.getpid()}:"}) for _ in range(2)]
    with nodes[0].app_context():
        before = pagecache.current_generation()
    with nodes[1].app_context():
        pagecache.invalidate()
    with nodes[0].app_context():
        assert pagecache.current_generation() == before + 1
    # What node 0's requests go by (its process's copy, re-read in the background) follows too.
    watch = nodes[0].extensions["engage_generation_watch"]
    assert _eventually(lambda: watch.get() == before + 1)
    with nodes[1].app_context():
        pagecache.invalidate()
    assert _eventually(lambda: watch.get() == before + 2)
    watch.stop()
    # The node that wrote goes by its own write at once, not a moment later.
    own = nodes[1].extensions["engage_generation_watch"]
    assert _eventually(lambda: own.get() == before + 2)
    with nodes[1].app_context():
        pagecache.invalidate()
    assert own.get() == before + 3
    own.stop()


def _someone_else_is_building(app, path: str) -> tuple[str, int]:
    """Claim the build of an anonymous Italian page as another request (or node) would."""
    with app.app_context():
        generation = pagecache.current_generation()
        key = f"page:it::{path}?"
        assert pagecache._claim_build(key, generation)
    return key, generation


def test_a_visitor_who_asks_while_the_page_is_being_built_waits_for_it_instead_of_building_it_again(
        page_cache, app, db, monkeypatch):
    """After a write, many visitors ask for the same missing page at once: one builds it."""
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, title="Una proposta costosa da disegnare")
    db.session.commit()
    key, generation = _someone_else_is_building(app, f"/proposte/{proposal.id}")

    def the_builder_finishes_while_we_wait(seconds):
        cache.set(key, (generation, float("inf"), b"<p>built by the other request</p>"))
        pagecache._release_build(key, generation)

    monkeypatch.setattr(pagecache.time, "sleep", the_builder_finishes_while_we_wait)
    waited = app.test_client().get(f"/proposte/{proposal.id}")
    assert served_from_cache(waited)
    assert waited.get_data(as_text=True) == "<p>built by the other request</p>"


@pytest.mark.parametrize("what_happens", ["the builder stored nothing", "a write retired the generation"])
def test_a_visitor_waiting_for_a_page_that_never_comes_builds_it_and_the_next_one_gets_it(
        page_cache, app, db, monkeypatch, what_happens):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, title="Una proposta costosa da disegnare")
    db.session.commit()
    key, generation = _someone_else_is_building(app, f"/proposte/{proposal.id}")

    def meanwhile(seconds):
        if what_happens == "the builder stored nothing":
            pagecache._release_build(key, generation)
        else:
            pagecache.invalidate()

    monkeypatch.setattr(pagecache.time, "sleep", meanwhile)
    built_here = app.test_client().get(f"/proposte/{proposal.id}")
    assert built_here.headers["X-Page-Cache"] == "miss"
    assert "Una proposta costosa da disegnare" in built_here.get_data(as_text=True)
    assert served_from_cache(app.test_client().get(f"/proposte/{proposal.id}"))


def test_a_build_that_ends_in_an_error_page_lets_the_next_visitor_build_at_once(page_cache, app, db):
    """A page that is not stored (here a 404) must not stay claimed for BUILD_WAIT_SECONDS."""
    db.session.commit()
    assert app.test_client().get("/proposte/999999").status_code == 404
    with app.app_context():
        assert pagecache._claim_build("page:it::/proposte/999999?", pagecache.current_generation())


def _eventually(condition) -> bool:
    return wait_for(condition, timeout=2, every=0.005)


def test_each_process_sees_another_nodes_write_within_moments_without_asking_the_store_on_every_hit():
    from cachelib import SimpleCache

    store = SimpleCache()
    store.set(pagecache.GENERATION, 41, timeout=0)
    watch = pagecache.WatchedGeneration(store, every=0.01)
    assert _eventually(lambda: watch.get() == 41)

    store.inc(pagecache.GENERATION)  # a commit on another node
    assert _eventually(lambda: watch.get() == 42)

    watch.saw(50)  # a commit in this process counts at once
    assert watch.get() == 50
    watch.stop()


def test_a_process_that_cannot_read_the_generation_lately_stops_trusting_its_copy():
    from cachelib import SimpleCache

    class Unreachable(SimpleCache):
        broken = False

        def get(self, key):
            if self.broken:
                raise ConnectionError("Redis went away")
            return super().get(key)

    store = Unreachable()
    store.set(pagecache.GENERATION, 7, timeout=0)
    watch = pagecache.WatchedGeneration(store, every=0.01, trusted_for=0.05)
    assert _eventually(lambda: watch.get() == 7)
    store.broken = True
    assert _eventually(lambda: watch.get() is None)
    watch.stop()


def test_signed_in_people_share_one_build_of_the_results_figures_but_each_sees_their_own_header(
        page_cache, app, db, client_as, count_queries, monkeypatch):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, title="Illuminazione del parco")
    giulia, marco = client_as(make_user(display_name="Giulia Ferri")), client_as(make_user(display_name="Marco Bassi"))
    db.session.commit()
    url = f"/consultazioni/{consultation.id}/risultati"

    with count_queries() as first:
        page = giulia.get(url).get_data(as_text=True)
    assert "Giulia Ferri" in page and "Illuminazione del parco" in page
    with count_queries() as second:
        page = marco.get(url).get_data(as_text=True)
    assert "Marco Bassi" in page and "Giulia Ferri" not in page and "Illuminazione del parco" in page
    assert len(second) <= len(first) - 8, "the summary's queries ran again for the second person"

    token = form_token(giulia, f"/proposte/{proposal.id}")
    assert giulia.post(f"/proposte/{proposal.id}/sostieni", data={"csrf_token": token}).status_code == 302
    a_second_later(monkeypatch)
    figures = marco.get(url).get_data(as_text=True)
    assert re.search(r"<dt>Sostegni</dt><dd>1</dd>", figures), "a support must show in the shared figures"


def test_during_a_busy_vote_visitors_get_the_page_of_a_moment_ago_without_building_or_waiting(
        page_cache, app, db, monkeypatch, count_queries):
    """A write every few milliseconds would otherwise have every visitor building a page that is
    out of date before it is ready; the copy from before the write is at most a second old."""
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation, title="Più alberi in via Dante")
    db.session.commit()
    url = f"/proposte/{proposal.id}"
    assert app.test_client().get(url).headers["X-Page-Cache"] == "miss"
    with app.app_context():
        pagecache.invalidate()  # a support, on some node

    def must_not_wait(seconds):
        raise AssertionError("the visitor waited for the new page")

    monkeypatch.setattr(pagecache.time, "sleep", must_not_wait)
    with count_queries() as queries:
        meanwhile = app.test_client().get(url)
    assert meanwhile.headers["X-Page-Cache"] == "stale" and len(queries) == 0
    assert "Più alberi in via Dante" in meanwhile.get_data(as_text=True)


def test_a_copy_older_than_a_second_is_not_served_the_visitor_waits_for_the_new_page(
        page_cache, app, db, monkeypatch):
    consultation = make_consultation(Phase.VOTING)
    proposal = make_proposal(consultation)
    db.session.commit()
    url = f"/proposte/{proposal.id}"
    app.test_client().get(url)
    with app.app_context():
        pagecache.invalidate()
    key, generation = _someone_else_is_building(app, url)
    real_monotonic = time.monotonic
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: real_monotonic() + 5)  # five seconds later

    def the_builder_finishes_while_we_wait(seconds):
        cache.set(key, (generation, float("inf"), b"<p>the new page</p>"))
        pagecache._release_build(key, generation)

    monkeypatch.setattr(pagecache.time, "sleep", the_builder_finishes_while_we_wait)
    waited = app.test_client().get(url)
    assert waited.headers["X-Page-Cache"] == "hit"
    assert waited.get_data(as_text=True) == "<p>the new page</p>"
