"""Serve the app with gunicorn on a generated dataset, drive its busiest pages with wrk, and read
each figure against a bare Flask route served the same way in the same run.

    .venv/bin/python -m benchmarks.harness --scale small --engine sqlite
    .venv/bin/python -m benchmarks.harness --scale large --engine postgresql --duration 10

The dataset comes from `flask demo generate` (kept between runs: --reuse skips generating it
again). SQLite files live in instance/bench/; PostgreSQL databases are `engage_bench_<scale>` on
the server in ENGAGE_BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres).
Needs wrk (Debian: apt-get install wrk). Results also go to instance/bench/<engine>-<scale>.json,
and once both scales have run, the proposal list's time at large is compared with small.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "instance" / "bench"
WORKERS, THREADS = 2, 4
SECRET = "benchmark-only-secret-key"  # the generator's ledger tokens must be the server's
SEARCH_WORD = "ciclabile"
SUPPORTERS = 8  # wrk threads for the support run: one connection each, one person each
# The page cache (engage.core.pagecache) needs a store shared by the workers: a Redis database of its own.
REDIS = os.environ.get("ENGAGE_BENCH_REDIS", "redis://127.0.0.1:6379/14")
BUDGETS = {  # minimum ratio to the bare route; None: measured, no budget
    "home": None, "priority point page": None,
    "proposal list": 0.35, "proposal list, one point": 0.35, "proposal list, by supports": 0.35,
    "proposal list, search": 0.35, "proposal, 500 comments": 0.15, "support / withdraw": None,
    "results page": None, "questionnaire results": None,
}
DURING_SUPPORTS = "proposal list by supports, during supports"
SIGNED_IN_ROWS = {  # row name: the page (from Dataset.pages) measured with a citizen's session
    "proposal list, signed in": "proposal list",
    "proposal, 500 comments, signed in": "proposal, 500 comments",
    "results page, signed in": "results page",
}


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("small", "province", "large"), default="small")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--reuse", action="store_true", help="keep an already generated dataset")
    parser.add_argument("--only", nargs="*", help="run only these rows (by name)")
    parser.add_argument("--no-cache", action="store_true",
                        help=f"serve without the page cache (by default it uses Redis at {REDIS})")
    return parser.parse_args(argv)


def database_url(engine: str, scale: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'{scale}.sqlite3'}"
    server = os.environ.get("ENGAGE_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    return sa.make_url(server).set(database=f"engage_bench_{scale}").render_as_string(hide_password=False)


def environment(url: str, cache: str | None = None) -> dict:
    settings = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "ENGAGE_RATELIMIT_ENABLED": "false",
                "PYTHONPATH": str(ROOT), "ENGAGE_ENV": "development"}
    if cache:
        settings["ENGAGE_CACHE_REDIS_URL"] = cache
    return settings


def fresh_cache() -> str:
    """The benchmark's Redis database, emptied: every run starts with no page stored."""
    import redis

    try:
        redis.Redis.from_url(REDIS).flushdb()
    except redis.RedisError as error:
        sys.exit(f"Redis at {REDIS} does not answer ({error}): start it, set ENGAGE_BENCH_REDIS, or pass --no-cache")
    return REDIS


def flask(url: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=environment(url),
                          capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare(engine: str, scale: str, url: str, reuse: bool) -> float | None:
    """Create and fill the database; returns the generation time (None when reused)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    target = sa.make_url(url)
    if engine == "sqlite":
        path = Path(target.database)
        if reuse and path.exists():
            return None
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": target.database})
            if reuse and exists:
                return None
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
        admin.dispose()
    flask(url, "db", "upgrade")
    started = time.perf_counter()
    print(flask(url, "demo", "generate", "--scale", scale).strip().splitlines()[-1])
    return time.perf_counter() - started


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_settings(connections: int) -> list[str]:
    """The same settings for the bare route and the app.

    The workers share one listening socket and take wrk's connections as they race to accept them:
    unbounded, one worker was seen holding 15 of 16 while the other idled, which halved some rows
    by luck. Capping what one worker holds (`--worker-connections`) leaves the other at least
    `THREADS + 2` connections, enough to keep its threads busy; the cap still leaves room for
    every idle keep-alive connection (gunicorn keeps `worker_connections - threads` of them).
    """
    cap = max(THREADS + 2, connections - THREADS - 2)
    return ["-w", str(WORKERS), "-k", "gthread", "--threads", str(THREADS), "--worker-connections", str(cap)]


@contextmanager
def gunicorn(target: str, url: str, probe: str, connections: int, cache: str | None = None):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *gunicorn_settings(connections),
                                "--no-control-socket",
                                "-b", f"127.0.0.1:{port}", target], cwd=ROOT, env=environment(url, cache),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + probe, timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit(f"gunicorn {target} did not answer on {base}{probe}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, duration: int, connections: int, threads: int = 2, script: str | None = None,
        cookie: str | None = None) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command += ["-s", script or str(Path(__file__).with_name("count_cache.lua"))]
    load = os.getloadavg()[0]
    output = subprocess.run([*command, url], capture_output=True, text=True, timeout=duration + 60).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
              "p50": _ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
              "p99": _ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
              "requests": int(re.search(r"(\d+) requests in", output).group(1)),
              "non_2xx": int((re.search(r"Non-2xx or 3xx responses: (\d+)", output) or [0, 0])[1]),
              "load": load, "output": output}
    if served := re.search(r"CACHE HITS (\d+) MISSES (\d+) STALE (\d+)", output):
        result["cache_hits"], result["cache_misses"], result["cache_stale"] = map(int, served.groups())
    if ack := re.search(r"ACK (\d+) REFUSED (\d+)", output):
        result["acknowledged"], result["refused"] = int(ack.group(1)), int(ack.group(2))
    return result


class Dataset:
    """What to ask for, looked up in the generated data through the app's own models."""

    def __init__(self, url: str):
        from engage import create_app

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
        with self.app.app_context():
            self._look_up()

    def _look_up(self):
        from sqlalchemy import func, select

        from engage.consultations.models import Consultation
        from engage.consultations.phases import Phase
        from engage.extensions import db
        from engage.proposals.models import Proposal
        from engage.questionnaires.models import Questionnaire

        sizes = dict(db.session.execute(select(Proposal.consultation_id, func.count()).group_by(
            Proposal.consultation_id)).all())
        consultations = db.session.scalars(select(Consultation)).all()

        def largest(phase):
            return max((c for c in consultations if c.phase is phase), key=lambda c: sizes.get(c.id, 0))

        self.voting, self.published = largest(Phase.VOTING), largest(Phase.RESULTS)
        self.voting_id, self.published_id = self.voting.id, self.published.id
        points = dict(db.session.execute(select(Proposal.priority_point_id, func.count())
                                         .where(Proposal.consultation_id == self.voting.id)
                                         .group_by(Proposal.priority_point_id)).all())
        point = max(self.voting.priority_points, key=lambda p: points.get(p.id, 0))
        self.point_id, self.point_slug = point.id, point.slug
        self.big_proposal = db.session.scalar(select(Proposal.id).order_by(Proposal.comment_count.desc()).limit(1))
        self.questionnaire = db.session.scalar(select(Questionnaire.id).order_by(Questionnaire.id.desc()).limit(1))
        db.session.remove()

    def pages(self) -> dict[str, str]:
        listing = f"/consultazioni/{self.voting_id}/proposte"
        return {
            "home": "/",
            "priority point page": f"/punti/{self.point_slug}",
            "proposal list": listing,
            "proposal list, one point": f"{listing}?punto={self.point_id}",
            "proposal list, by supports": f"{listing}?ordine=supports",
            "proposal list, search": f"{listing}?q={SEARCH_WORD}",
            "proposal, 500 comments": f"/proposte/{self.big_proposal}",
            "results page": f"/consultazioni/{self.published_id}/risultati",
            "questionnaire results": f"/questionari/{self.questionnaire}/risultati",
        }

    def citizen_email(self) -> str:
        from engage.demo.scale import EMAIL

        return EMAIL.format(n=SUPPORTERS + 1)  # not one of the supporters: their pages stay as they are

    def supporters(self, count: int) -> list[tuple[str, list[int]]]:
        """(e-mail, voting proposals this person does not support yet) for the first `count` people."""
        from sqlalchemy import select

        from engage.auth.models import User
        from engage.demo.scale import EMAIL
        from engage.extensions import db
        from engage.proposals.models import Proposal
        from engage.votes.models import Support

        found = []
        with self.app.app_context():
            for n in range(1, count + 1):
                user_id = db.session.scalar(select(User.id).where(User.email == EMAIL.format(n=n)))
                supported = select(Support.proposal_id).where(Support.user_id == user_id)
                proposals = db.session.scalars(
                    select(Proposal.id).where(Proposal.consultation_id == self.voting_id,
                                              Proposal.id.not_in(supported)).order_by(Proposal.id).limit(40)).all()
                found.append((EMAIL.format(n=n), proposals))
            db.session.remove()
        return found

    def ledger_state(self) -> dict:
        """Entries in the voting consultation's ledger, and whether counters and ledger agree."""
        from sqlalchemy import func, select

        from engage.consultations.models import Consultation
        from engage.extensions import db
        from engage.ledger.audit import audit, read_one_snapshot
        from engage.ledger.models import LedgerEntry
        from engage.votes.tally import recount

        with self.app.app_context():
            read_one_snapshot()  # count, audit and recount see the same committed supports
            entries = db.session.scalar(select(func.count()).select_from(LedgerEntry)
                                        .where(LedgerEntry.consultation_id == self.voting_id))
            problems = audit(db.session.get(Consultation, self.voting_id))
            wrong = recount(self.voting_id).corrected
            db.session.rollback()  # recount would fix counters: we only want to know
            db.session.remove()
        return {"entries": entries, "wrong_counters": wrong, "audit": problems}


def signed_in(base: str, email: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a fresh session signed in as this person."""
    import http.cookiejar
    import urllib.parse

    from engage.demo.scale import PASSWORD

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirects())

    def token(path):
        html = opener.open(base + path, timeout=30).read().decode()
        return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)

    form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token("/accedi")}).encode()
    try:
        opener.open(base + "/accedi", data=form, timeout=30)
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise SystemExit(f"could not sign in as {email}: {answer.code}") from None
    csrf = token("/")
    return "; ".join(f"{c.name}={c.value}" for c in jar), csrf


LUA = """
local people = %s
local threads = {}
local next_id = 1
function setup(thread)
  thread:set("me", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  person = people[me]
  step = 0
  ok = 0
  refused = 0
end
function request()
  local proposal = person.proposals[(math.floor(step / 2) %% #person.proposals) + 1]
  local action = (step %% 2 == 0) and "sostieni" or "togli-sostegno"
  step = step + 1
  return wrk.format("POST", "/proposte/" .. proposal .. "/" .. action,
    {["Cookie"] = person.cookie, ["Accept"] = "application/json",
     ["Content-Type"] = "application/x-www-form-urlencoded"}, "csrf_token=" .. person.token)
end
function response(status, headers, body)
  if status == 200 then ok = ok + 1 else refused = refused + 1 end
end
function done(summary, latency, requests)
  local acknowledged, bad = 0, 0
  for _, thread in ipairs(threads) do
    acknowledged = acknowledged + thread:get("ok")
    bad = bad + thread:get("refused")
  end
  io.write(string.format("ACK %%d REFUSED %%d\\n", acknowledged, bad))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def support_script(base: str, dataset: Dataset) -> str:
    people = []
    for email, proposals in dataset.supporters(SUPPORTERS):
        cookie, token = signed_in(base, email)
        listed = ", ".join(map(str, proposals))
        people.append(f"{{cookie={_lua_string(cookie)}, token={_lua_string(token)}, proposals={{{listed}}}}}")
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(LUA % ("{" + ", ".join(people) + "}"))
    handle.close()
    return handle.name


def run(args) -> dict:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: it drives the load. On Debian/Ubuntu: sudo apt-get install wrk "
                 "(https://github.com/wg/wrk), then run this again.")
    url = database_url(args.engine, args.scale)
    generated_in = prepare(args.engine, args.scale, url, args.reuse)
    dataset = Dataset(url)
    rows = {}
    wanted = set(args.only or [])

    def measure(name, base, path, **options):
        if wanted and name not in wanted and name != "bare Flask route":
            return
        wrk(base + path, 2, args.connections, **options)  # warm-up: caches, connections, JIT-less imports
        rows[name] = wrk(base + path, args.duration, args.connections, **options)
        print(f"  {name:28} {rows[name]['rps']:8.0f} req/s  p50 {rows[name]['p50']:7.1f} ms  "
              f"p99 {rows[name]['p99']:7.1f} ms  cache {rows[name].get('cache_hits', 0)} hits "
              f"{rows[name].get('cache_misses', 0)} misses {rows[name].get('cache_stale', 0)} stale  "
              f"(load {rows[name]['load']:.2f})", flush=True)

    with gunicorn("benchmarks.hello:app", url, "/hello", args.connections) as base:
        measure("bare Flask route", base, "/hello")
    cache = None if args.no_cache else fresh_cache()
    with gunicorn("wsgi:app", url, "/healthz", args.connections, cache) as base:
        for name, path in dataset.pages().items():
            measure(name, base, path)
        # Signed-in people are never served a cached page: the same pages as a citizen sees them.
        if not wanted or wanted & set(SIGNED_IN_ROWS):
            cookie, _ = signed_in(base, dataset.citizen_email())
            for name, page in SIGNED_IN_ROWS.items():
                measure(name, base, dataset.pages()[page], cookie=cookie)
        if not wanted or "support / withdraw" in wanted:
            before = dataset.ledger_state()
            script = support_script(base, dataset)
            try:
                rows["support / withdraw"] = wrk(base + "/", args.duration, SUPPORTERS, threads=SUPPORTERS,
                                                 script=script)
            finally:
                os.unlink(script)
            # Requests cut by wrk's deadline may still be committing: check once the ledger stops growing.
            after = dataset.ledger_state()
            for _ in range(20):
                time.sleep(0.5)
                settled, after = after, dataset.ledger_state()
                if settled["entries"] == after["entries"]:
                    break
            row = rows["support / withdraw"]
            appended = after["entries"] - before["entries"]
            row["check"] = {"ledger_entries_added": appended, "wrong_counters": after["wrong_counters"],
                            "audit": after["audit"][:5],
                            # a request cut by wrk's deadline may have been done without being answered
                            "every_acknowledged_counted_once": (
                                row["acknowledged"] <= appended <= row["acknowledged"] + SUPPORTERS
                                and not after["wrong_counters"] and not after["audit"])}
            print(f"  {'support / withdraw':28} {row['rps']:8.0f} req/s  p50 {row['p50']:7.1f} ms  "
                  f"p99 {row['p99']:7.1f} ms  acknowledged {row['acknowledged']}, refused {row['refused']}, "
                  f"ledger +{appended}, consistent: {row['check']['every_acknowledged_counted_once']}")
        if not wanted or DURING_SUPPORTS in wanted:
            measure_during_supports(base, dataset, rows, args, measure)
    return {"engine": args.engine, "scale": args.scale, "generated_in_s": generated_in,
            "page_cache": cache or "off",
            "date": datetime.now(UTC).isoformat(timespec="minutes"), "cpus": os.cpu_count(),
            "gunicorn": " ".join(gunicorn_settings(args.connections)),
            "wrk": f"-t2 -c{args.connections} -d{args.duration}s (support: -t{SUPPORTERS} -c{SUPPORTERS})",
            "rows": rows}


def measure_during_supports(base: str, dataset, rows: dict, args, measure) -> None:
    """The cached proposal list (by supports, the order a busy vote is followed in) while people
    support proposals of the same consultation: every support retires every cached page, so this
    row shows what the cache is worth then (how it answered is printed with it)."""
    import threading

    script = support_script(base, dataset)
    writes: dict = {}
    # Long enough to cover measure()'s 2 s warm-up and its run.
    writer = threading.Thread(target=lambda: writes.update(
        wrk(base + "/", args.duration + 3, SUPPORTERS, threads=SUPPORTERS, script=script)))
    writer.start()
    try:
        time.sleep(0.5)
        measure(DURING_SUPPORTS, base, dataset.pages()["proposal list, by supports"])
    finally:
        writer.join()
        os.unlink(script)
    state = dataset.ledger_state()
    rows[DURING_SUPPORTS]["supports_meanwhile_per_s"] = writes.get("rps", 0.0)
    rows[DURING_SUPPORTS]["consistent_after"] = not state["wrong_counters"] and not state["audit"]
    print(f"  {'':28} meanwhile {writes.get('rps', 0):.0f} supports/s; counters and ledger consistent after: "
          f"{rows[DURING_SUPPORTS]['consistent_after']}")


def budget_for(name: str, engine: str, scale: str) -> float | None:
    if name == "support / withdraw":
        return 0.2 if engine == "postgresql" else None
    if name == "results page":
        return 0.2 if scale == "large" else None
    return BUDGETS.get(name)


def table(report: dict) -> str:
    rows = report["rows"]
    bare = rows["bare Flask route"]["rps"]
    lines = [f"{report['engine']}, {report['scale']}, {report['date']}, gunicorn {report['gunicorn']}, "
             f"wrk {report['wrk']}, {report['cpus']} cores, page cache {report.get('page_cache', 'off')}",
             "", "| page | req/s | p50 ms | p99 ms | × bare | budget | load |", "|---|---:|---:|---:|---:|---|---:|"]
    for name, row in rows.items():
        ratio = row["rps"] / bare
        budget = budget_for(name, report["engine"], report["scale"])
        verdict = "" if budget is None else f"≥ {budget} {'met' if ratio >= budget else 'MISSED'}"
        if "check" in row:
            verdict += f"; counted once: {'yes' if row['check']['every_acknowledged_counted_once'] else 'NO'}"
        if "supports_meanwhile_per_s" in row:
            verdict = (f"{row['supports_meanwhile_per_s']:.0f} supports/s meanwhile; cache "
                       f"{row.get('cache_hits', 0)} hits, {row.get('cache_stale', 0)} stale, "
                       f"{row.get('cache_misses', 0)} misses")
        lines.append(f"| {name} | {row['rps']:.0f} | {row['p50']:.1f} | {row['p99']:.1f} | {ratio:.2f} | "
                     f"{verdict} | {row['load']:.2f} |")
    if report["generated_in_s"] is not None:
        lines.append(f"\nGenerated the `{report['scale']}` dataset in {report['generated_in_s']:.0f} s.")
    return "\n".join(lines)


def scale_comparison(engine: str) -> str | None:
    """The proposal list's time per request at large against small (budget: within 1.3×)."""
    reports = {}
    for scale in ("small", "large"):
        path = BENCH_DIR / f"{engine}-{scale}.json"
        if not path.exists():
            return None
        reports[scale] = json.loads(path.read_text())
    lines = []
    for name in ("proposal list", "proposal list, one point", "proposal list, by supports", "proposal list, search"):
        try:
            small, large = (reports[s]["rows"][name] for s in ("small", "large"))
        except KeyError:
            continue
        # Against the bare route of the same run, so the machine's load of the day cancels out.
        slower = ((reports["small"]["rows"][name]["rps"] / reports["small"]["rows"]["bare Flask route"]["rps"])
                  / (large["rps"] / reports["large"]["rows"]["bare Flask route"]["rps"]))
        lines.append(f"{name}: large takes {slower:.2f}× the time of small (budget ≤ 1.3: "
                     f"{'met' if slower <= 1.3 else 'MISSED'}); p50 {small['p50']:.1f} → {large['p50']:.1f} ms")
    return "\n".join(lines)


def main(argv=None) -> None:
    args = arguments(argv)
    report = run(args)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for row in report["rows"].values():
        row.pop("output", None)
    (BENCH_DIR / f"{args.engine}-{args.scale}.json").write_text(json.dumps(report, indent=1))
    print()
    print(table(report))
    if comparison := scale_comparison(args.engine):
        print()
        print(comparison)


if __name__ == "__main__":
    main()
