"""Whole public pages for anonymous visitors, kept in a shared cache and dropped on any write.

Why: the busiest pages (home, lists, a proposal with hundreds of comments, results) are the same
for every anonymous visitor and take from tens to thousands of milliseconds to build, while most
visitors are not signed in. Three rules keep what is served right:

- every stored page carries the *generation* it was built in, a number held in the cache itself
  that goes up after every commit that changed a row (whichever service, command or node made
  it); a page is served in its generation, or for at most PAGE_CACHE_STALE_SECONDS (1 s) after
  a write retired it, so a write shows to anonymous visitors within a second, on every node;
- a page lives at most PAGE_CACHE_SECONDS (120) and never past the next moment a consultation
  changes phase by the clock alone (phases follow the timeline, not only writes); what else
  the clock changes without a write (an answer falling overdue) may show up to that late;
- only what is the same for every anonymous visitor is kept: the CSRF token is written back per
  visitor on the way out, and a visitor with a flash message waiting is served fresh. People
  who are signed in, the ones who write, always see their own writes at once.

Why the second of grace: during a busy vote a support comes every few milliseconds and each
retires every page, so a page would be out of date before it was ready and every visitor would
be building one (measured: the list by supports fell from 3,500 to 73 req/s with 59 supports/s
coming in; with the grace, 559 req/s while 128 supports/s came in). With it, each process builds
a busy page at most about once a second. PAGE_CACHE_STALE_SECONDS = 0 restores "at once".

A hit makes no round trip to the store: each process keeps a copy of the generation that a
background thread re-reads every WATCH_SECONDS (0.05 s), and that the process's own writes bump
at once. A write on another node is therefore seen within that time, about what a request
takes anyway; if the thread falls behind, requests read the store themselves.

When a page is missing and has no young copy, one request builds it and the others asking for
the same page meanwhile wait for it (up to BUILD_WAIT_SECONDS) rather than build it too: a
results page that takes a second to build would otherwise be built by every visitor who came
in that second.

The cache is off unless a store shared by every process is configured (CACHE_REDIS_URL, set as
ENGAGE_CACHE_REDIS_URL): a per-process store could not be emptied by a write on another node.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import TypeVar

from flask import Flask, current_app, g, has_app_context, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event, func, select, union_all
from sqlalchemy.orm import Session

from engage.core.db import utcnow
from engage.core.i18n import select_locale
from engage.extensions import cache

log = logging.getLogger(__name__)

GENERATION = "pages:generation"
# Where the visitor's CSRF token goes back in. A NUL byte: no page can contain one (requests
# carrying one are refused), so nothing a person wrote can be mistaken for it.
TOKEN_MARK = b"\x00csrf\x00"
SHARED_BACKENDS = {"RedisCache", "RedisSentinelCache", "RedisClusterCache", "redis"}
# How long a request waits for another one that is building the same page, and how often it looks.
BUILD_WAIT_SECONDS = 5.0
BUILD_POLL_SECONDS = 0.01
# How often each process re-reads the generation, and after how long without a reading it stops
# trusting its copy.
WATCH_SECONDS = 0.05
WATCH_TRUSTED_FOR = 0.5

T = TypeVar("T")


def init_page_cache(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_SECONDS", 120)
    app.config.setdefault("PAGE_CACHE_STALE_SECONDS", 1.0)
    app.config.setdefault("CACHE_KEY_PREFIX", "engage:")
    app.config.setdefault("CACHE_TYPE", "RedisCache" if app.config.get("CACHE_REDIS_URL") else "NullCache")
    app.config.setdefault("CACHE_NO_NULL_WARNING", True)  # off is the default, not a mistake
    cache.init_app(app)
    app.extensions["engage_recent_pages"] = RecentPages()
    if app.config["CACHE_TYPE"] in SHARED_BACKENDS:
        with app.app_context():
            app.extensions["engage_generation_watch"] = WatchedGeneration(cache.cache)


def enabled() -> bool:
    config = current_app.config
    return config["CACHE_TYPE"] in SHARED_BACKENDS or bool(config.get("PAGE_CACHE_SINGLE_PROCESS"))


def cached_page(variant: Callable[[], object] | None = None):
    """Serve the view's page from the cache to anonymous visitors.

    `variant()` names what else the page depends on for this visitor (the proposal list's
    shuffle); the address and the language are always part of the key.
    """
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not _anonymous_and_plain():
                return view(*args, **kwargs)
            extra = variant() if variant else ""
            key = f"page:{select_locale()}:{extra}:{request.full_path}"
            generation, body, how = _find(key)
            if generation is None:  # the cache is unreachable: serve fresh
                return view(*args, **kwargs)
            if body is not None:
                if TOKEN_MARK in body:
                    body = body.replace(TOKEN_MARK, generate_csrf().encode())
                response = make_response(body)
                response.headers["X-Page-Cache"] = how
                return response
            response = _build(key, generation, lambda: make_response(view(*args, **kwargs)), _page_to_store)
            if _storable(response):
                response.headers["X-Page-Cache"] = "miss"
            return response
        return wrapper
    return decorate


def shared_fragment(name: str, build: Callable[[], str]) -> Markup:
    """Part of a page that is the same for everyone allowed to see the page, signed in or not,
    kept under the same rules as whole pages (generation, expiry, one builder at a time).

    Why: a signed-in person is never served a whole cached page (their header is their own),
    but the costly part (a results summary) need not be built again for each of them. What
    `build()` returns must hold nothing about the visitor: no form, no token, no name.
    """
    # build() renders one of our autoescaped templates; what comes from the store is the same
    # bytes an earlier build() produced. Nothing a visitor typed reaches it unescaped.
    return Markup(_fragment_html(name, build))  # nosec B704


def _fragment_html(name: str, build: Callable[[], str]) -> str:
    if not enabled():
        return build()
    key = f"fragment:{select_locale()}:{name}"
    generation, body, _how = _find(key)
    if body is not None:
        return body.decode()
    if generation is None:
        return build()
    return _build(key, generation, build, str.encode)


def _build(key: str, generation: int, make: Callable[[], T], to_store: Callable[[T], bytes | None]) -> T:
    """Make what this request claimed to build, store it (unless `to_store` says it may not be
    kept), and let whoever waits for it go, whatever happens."""
    try:
        made = make()
        if (body := to_store(made)) is not None:
            _store(key, generation, body)
    finally:
        _release_build(key, generation)
    return made


def _page_to_store(response) -> bytes | None:
    return _without_token(response.get_data()) if _storable(response) else None


def _find(key: str) -> tuple[int | None, bytes | None, str]:
    """(generation, body, how): the body stored under key in this generation ("hit"), or this
    process's copy from before the last writes if it is younger than PAGE_CACHE_STALE_SECONDS
    ("stale"); no body: this request is to build it ("build"), and has claimed the build unless
    the store could not say. No generation: the store is unreachable."""
    for _attempt in range(3):  # again only if a write retires the page while we wait for it
        generation = _served_generation()
        if generation is None:
            return None, None, "build"
        body = _recent().get(key, generation) or _read(key, generation)
        if body is not None:
            return generation, body, "hit"
        previous = _recent().latest(key, float(current_app.config["PAGE_CACHE_STALE_SECONDS"]))
        if previous is not None:
            return generation, previous, "stale"
        if _claim_build(key, generation):
            return generation, None, "build"
        body = _wait_for_build(key, generation)
        if body is not None or current_generation() == generation:
            return generation, body, "hit" if body is not None else "build"
    return generation, None, "build"


def _build_key(key: str, generation: int) -> str:
    return f"building:{generation}:{key}"


def _claim_build(key: str, generation: int) -> bool:
    """True if this request is to build the page (nobody else is, or the store cannot say)."""
    try:
        return bool(cache.add(_build_key(key, generation), 1, timeout=int(BUILD_WAIT_SECONDS) + 1))
    except Exception:  # noqa: BLE001 a cache outage must never take pages down
        return True


def _release_build(key: str, generation: int) -> None:
    try:
        cache.delete(_build_key(key, generation))
    except Exception:  # noqa: BLE001
        log.warning("page cache unreachable", exc_info=True)


def _wait_for_build(key: str, generation: int) -> bytes | None:
    """The page another request is building, once it is stored; None if it was not stored (an
    error page, say), took too long, or a write retired its generation: then build it here."""
    deadline = time.monotonic() + BUILD_WAIT_SECONDS
    try:
        while time.monotonic() < deadline:
            time.sleep(BUILD_POLL_SECONDS)
            if not cache.has(_build_key(key, generation)):
                return _read(key, generation)
            if current_generation() != generation:
                return None
    except Exception:  # noqa: BLE001
        log.warning("page cache unreachable", exc_info=True)
    return None


def _anonymous_and_plain() -> bool:
    return (request.method in ("GET", "HEAD") and enabled() and not current_user.is_authenticated
            and "_flashes" not in session)


def _storable(response) -> bool:
    return (response.status_code == 200 and response.mimetype == "text/html"
            and not response.is_streamed and "Set-Cookie" not in response.headers)


def current_generation() -> int | None:
    """The generation, started from the clock if the store has none (new, flushed or evicted),
    so that it never falls back to a number whose pages might still be stored."""
    try:
        generation = cache.get(GENERATION)
        if generation is None:
            cache.add(GENERATION, time.time_ns() // 1000, timeout=0)
            generation = cache.get(GENERATION)
        return generation
    except Exception:  # noqa: BLE001 a cache outage must never take pages down
        log.warning("page cache unreachable", exc_info=True)
        return None


class WatchedGeneration:
    """This process's copy of the shared generation (see the module's docstring). The thread is
    started by the first request of each process, so that it survives gunicorn's fork."""

    def __init__(self, store, every: float = WATCH_SECONDS, trusted_for: float = WATCH_TRUSTED_FOR):
        self.store, self.every, self.trusted_for = store, every, trusted_for
        self.value: int | None = None
        self.read_at = float("-inf")
        self.pid: int | None = None
        self.lock = threading.Lock()

    def get(self) -> int | None:
        """The generation, or None if this process has not read it lately."""
        if self.pid != os.getpid():
            self._start()
        if time.monotonic() - self.read_at > self.trusted_for:
            return None
        return self.value

    def saw(self, value: int) -> None:
        """A generation read or made here; it only goes up (a store emptied restarts it from the clock)."""
        with self.lock:
            self.value = value if self.value is None else max(self.value, value)
            self.read_at = time.monotonic()

    def _start(self) -> None:
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid, self.value, self.read_at = os.getpid(), None, float("-inf")
        threading.Thread(target=self._watch, name="page-cache-generation", daemon=True).start()

    def stop(self) -> None:
        self.pid = None

    def _watch(self) -> None:
        pid, failing = os.getpid(), False
        while self.pid == pid:
            try:
                value = self.store.get(GENERATION)
                if value is not None:
                    self.saw(value)
                failing = False
            except Exception:  # noqa: BLE001 requests then read the store themselves
                if not failing:  # once per outage, not twenty times a second
                    log.warning("page cache unreachable", exc_info=True)
                failing = True
            time.sleep(self.every)


def _served_generation() -> int | None:
    watch = current_app.extensions.get("engage_generation_watch")
    generation = watch.get() if watch is not None else None
    return generation if generation is not None else current_generation()


def _read(key: str, generation: int) -> bytes | None:
    """The shared store's page under key, if it was built in this generation (kept nearby too)."""
    try:
        stored = cache.get(key)
    except Exception:  # noqa: BLE001 a cache outage must never take pages down
        log.warning("page cache unreachable", exc_info=True)
        return None
    if stored is None or stored[0] != generation:
        return None
    _recent().put(key, *stored)
    return stored[2]


class RecentPages:
    """The pages this process served lately, so that a hit fetches a number from the shared store,
    not a page of up to hundreds of kilobytes. Each is served only in the generation it was built
    in and until its shared copy expires, so it is never more stale than that copy."""

    def __init__(self, budget: int = 32 * 2**20):
        self.budget, self.size = budget, 0
        # key -> (generation, expires (wall clock), body, when it was known current (monotonic))
        self.pages: OrderedDict[str, tuple[int, float, bytes, float]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, generation: int) -> bytes | None:
        with self.lock:
            entry = self.pages.get(key)
            if entry is None or entry[0] != generation or entry[1] <= time.time():
                return None
            self.pages.move_to_end(key)
            return entry[2]

    def latest(self, key: str, younger_than: float) -> bytes | None:
        """The copy kept under key, whatever its generation, if it was current less than
        `younger_than` seconds ago and has not expired."""
        with self.lock:
            entry = self.pages.get(key)
            if entry is None or entry[1] <= time.time() or time.monotonic() - entry[3] > younger_than:
                return None
            return entry[2]

    def put(self, key: str, generation: int, expires: float, body: bytes) -> None:
        with self.lock:
            if (old := self.pages.pop(key, None)) is not None:
                self.size -= len(old[2])
            self.pages[key] = (generation, expires, body, time.monotonic())
            self.size += len(body)
            while self.size > self.budget:
                self.size -= len(self.pages.popitem(last=False)[1][2])


def _recent() -> RecentPages:
    return current_app.extensions["engage_recent_pages"]


def _without_token(body: bytes) -> bytes:
    """The page with this visitor's CSRF token marked, to be replaced by the next visitor's."""
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    return body.replace(token.encode(), TOKEN_MARK) if token else body


def _store(key: str, generation: int, body: bytes) -> None:
    seconds = seconds_to_keep()
    expires = time.time() + seconds
    _recent().put(key, generation, expires, body)
    try:
        cache.set(key, (generation, expires, body), timeout=seconds)
    except Exception:  # noqa: BLE001
        log.warning("page cache unreachable", exc_info=True)


def seconds_to_keep(now: datetime | None = None) -> int:
    """PAGE_CACHE_SECONDS, or fewer if a consultation changes phase by the clock before then."""
    from engage.consultations.models import Consultation
    from engage.extensions import db

    now = now or utcnow()
    limit = int(current_app.config["PAGE_CACHE_SECONDS"])
    moments = [getattr(Consultation, name) for name in
               ("announced_at", "proposals_from", "voting_from", "voting_until", "results_at")]
    soonest = union_all(*(select(func.min(moment).label("at")).where(moment > now) for moment in moments)).subquery()
    boundary = db.session.scalar(select(func.min(soonest.c.at)))
    if boundary is not None:
        if isinstance(boundary, str):  # SQLite returns MIN() over a union as text
            boundary = datetime.fromisoformat(boundary)
        boundary = boundary.replace(tzinfo=now.tzinfo) if boundary.tzinfo is None else boundary
        limit = min(limit, max(1, int((boundary - now).total_seconds()) + 1))
    return limit


def invalidate() -> None:
    """Make every stored page unreachable (called after each commit that changed rows)."""
    if not enabled():
        return
    try:
        if cache.get(GENERATION) is None:
            cache.add(GENERATION, time.time_ns() // 1000, timeout=0)
        generation = cache.cache.inc(GENERATION)
        if (watch := current_app.extensions.get("engage_generation_watch")) is not None and generation:
            watch.saw(generation)  # this process's next request must not serve what it just retired
    except Exception:  # noqa: BLE001
        log.warning("page cache unreachable: pages may be stale for up to %ss",
                    current_app.config["PAGE_CACHE_SECONDS"], exc_info=True)


# Any session that writes, in a request, a command or a test, marks itself; its commit invalidates.
@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context):
    session.info["pages_stale"] = True


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info["pages_stale"] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.info.pop("pages_stale", False) and has_app_context():
        invalidate()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop("pages_stale", None)
