#!/usr/bin/env python3
"""Recount an Engage Cremona consultation from its public ledger of supports.

Needs only Python 3.9+ and its standard library. Download the consultation's ledger (JSON or CSV)
from its results page, then:

    python3 verify_ledger.py registro.json
    python3 verify_ledger.py registro.json --expect-head HASH --results proposte.csv
    python3 verify_ledger.py registro.csv --expect-head HASH --expect-length N --results proposte.csv

It recomputes every entry's SHA-256 hash along the chain, checks that sequence numbers run from 1
without gaps, that nobody supports a proposal twice or takes back a support they never gave,
recounts the supports of every proposal, and compares the head and the tally with what was
published: the head printed on the results page (--expect-head, --expect-length, or the "head"
in the JSON file) and the proposals' supports in the results export (--results: the results
page's "proposte" CSV or JSON, or the "tally" in the JSON ledger). Exit status 0 means
everything matches; 1 means a mismatch, and every mismatch is printed with where it is; 2 means
the file could not be read.

Canonical encoding of an entry (format engage-ledger/1): the UTF-8 bytes of these eight fields
joined by a line feed (no trailing one), and the entry's hash is the lowercase hex SHA-256 of them:

    engage-ledger/1
    consultation id          decimal
    sequence number          decimal, 1 for the first entry
    proposal id              decimal
    action                   "+" (support given) or "-" (support taken back)
    voter token              64 lowercase hex characters
    minute                   UTC, "YYYY-MM-DDTHH:MMZ"
    previous entry's hash    64 lowercase hex characters; 64 zeros for the first entry

The Engage Cremona server imports this very file to hash its entries, so the published
encoding and the one in use cannot drift apart.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from dataclasses import dataclass

FORMAT = "engage-ledger/1"
GENESIS = "0" * 64
ENTRY_FIELDS = ("seq", "proposal_id", "action", "voter_token", "minute", "prev_hash", "hash")
ACTIONS = ("+", "-")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z")


def entry_hash(consultation_id: int, seq: int, proposal_id: int, action: str, voter_token: str,
               minute: str, prev_hash: str) -> str:
    """The SHA-256 of one entry in the canonical encoding described above."""
    message = "\n".join([FORMAT, str(consultation_id), str(seq), str(proposal_id), action, voter_token,
                         minute, prev_hash])
    return hashlib.sha256(message.encode("utf-8")).hexdigest()


@dataclass
class Check:
    """What a verification found: problems (any one means failure) and the recount."""

    problems: list
    length: int
    head: str
    tally: dict
    active: set  # (voter token, proposal id) pairs whose support stands at the end

    @property
    def ok(self) -> bool:
        return not self.problems


def check_chain(consultation_id: int, entries) -> Check:
    """Walk the chain from the first entry; report every break and recount per proposal."""
    problems = []
    previous = GENESIS
    supporting: set = set()
    tally: dict = {}
    length = 0
    for position, entry in enumerate(entries, start=1):
        length = position
        where = f"entry {position}"
        try:
            seq, proposal_id = int(entry["seq"]), int(entry["proposal_id"])
            action, token, minute = str(entry["action"]), str(entry["voter_token"]), str(entry["minute"])
            prev_hash, stated = str(entry["prev_hash"]), str(entry["hash"])
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}: unreadable ({exc!r})")
            continue
        if seq != position:
            problems.append(f"{where}: sequence number {seq}, expected {position} (missing, extra or reordered entry)")
        if action not in ACTIONS:
            problems.append(f"{where} (seq {seq}): action {action!r} is neither + nor -")
        if not _HEX64.fullmatch(token):
            problems.append(f"{where} (seq {seq}): voter token is not 64 hex characters")
        if not _MINUTE.fullmatch(minute):
            problems.append(f"{where} (seq {seq}): time {minute!r} is not YYYY-MM-DDTHH:MMZ")
        if prev_hash != previous:
            problems.append(f"{where} (seq {seq}): previous hash {prev_hash[:12]}… does not match the entry "
                            f"before it ({previous[:12]}…)")
        computed = entry_hash(consultation_id, seq, proposal_id, action, token, minute, prev_hash)
        if computed != stated:
            problems.append(f"{where} (seq {seq}): hash {stated[:12]}… is not the hash of its contents "
                            f"({computed[:12]}…): the entry was altered")
        key = (token, proposal_id)
        if action == "+":
            if key in supporting:
                problems.append(f"{where} (seq {seq}): voter {token[:12]}… supports proposal {proposal_id} twice")
            supporting.add(key)
            tally[proposal_id] = tally.get(proposal_id, 0) + 1
        elif action == "-":
            if key not in supporting:
                problems.append(f"{where} (seq {seq}): voter {token[:12]}… takes back a support of proposal "
                                f"{proposal_id} they did not give")
            supporting.discard(key)
            tally[proposal_id] = tally.get(proposal_id, 0) - 1
        previous = stated
    return Check(problems, length, previous if length else GENESIS, tally, supporting)


def compare_head(check: Check, expected_hash: str | None, expected_length: int | None) -> None:
    if expected_length is not None and check.length != expected_length:
        check.problems.append(f"head: the ledger has {check.length} entries, the published head says {expected_length}")
    if expected_hash is not None and check.head != expected_hash.strip().lower():
        check.problems.append(f"head: the last hash is {check.head}, the published head is {expected_hash}")


def compare_tally(check: Check, published: dict) -> list:
    """Every published count must equal the recount; returns notes on proposals only the ledger has."""
    for proposal_id, supports in sorted(published.items()):
        counted = check.tally.get(proposal_id, 0)
        if counted != supports:
            check.problems.append(f"proposal {proposal_id}: published {supports} supports, the ledger counts {counted}")
    return [f"proposal {proposal_id}: {_supports(supports)} in the ledger, not in the published results "
            "(hidden by moderation or withdrawn)"
            for proposal_id, supports in sorted(check.tally.items()) if proposal_id not in published and supports]


def _supports(count: int) -> str:
    return f"{count} support" if count == 1 else f"{count} supports"


def read_ledger(text: str, name: str) -> tuple[dict, list]:
    """(metadata, entries) from a JSON or CSV ledger."""
    if name.endswith(".json") or text.lstrip().startswith("{"):
        document = json.loads(text)
        if not isinstance(document, dict):
            raise ValueError("the JSON is not an object: not a ledger")
        if document.get("format") != FORMAT:
            raise ValueError(f"format {document.get('format')!r}, expected {FORMAT!r}")
        for name, kind in (("entries", list), ("head", dict), ("tally", list), ("consultation", dict)):
            if document.get(name) is not None and not isinstance(document[name], kind):
                raise ValueError(f'"{name}" is not a JSON {"array" if kind is list else "object"}')
        return document, list(document.get("entries") or [])
    rows = list(csv.DictReader(io.StringIO(text)))
    meta: dict = {}
    if rows and "consultation_id" in rows[0]:
        meta["consultation"] = {"id": int(rows[0]["consultation_id"])}
    return meta, rows


def read_results(text: str, name: str) -> dict:
    """Proposal id -> supports from the results page's "proposte" export (CSV or JSON)."""
    if name.endswith(".json") or text.lstrip()[:1] in "[{":
        document = json.loads(text)
        rows = document.get("rows", document.get("proposals", [])) if isinstance(document, dict) else document
    else:
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    return {int(row["id"]): int(row["supports"]) for row in rows}


def verify(ledger_text: str, ledger_name: str = "ledger.json", *, consultation_id: int | None = None,
           expect_head: str | None = None, expect_length: int | None = None,
           results: dict | None = None) -> tuple[Check, list]:
    """Everything the command line does, for use from Python: (check, notes)."""
    meta, entries = read_ledger(ledger_text, ledger_name)
    if consultation_id is None:
        consultation_id = int((meta.get("consultation") or {}).get("id", 0)) or None
    if consultation_id is None:
        raise ValueError("the consultation id is not in the file: pass --consultation")
    check = check_chain(consultation_id, entries)
    head = meta.get("head") or {}
    if head:
        compare_head(check, head.get("hash"), head.get("length"))
    compare_head(check, expect_head, expect_length)
    notes = []
    if not head and expect_head is None and expect_length is None:
        notes.append("no published head given (--expect-head, --expect-length): entries cut from the end of "
                      "the file would not show; compare the head below with the one on the results page")
    published = results if results is not None else (
        {int(row["proposal_id"]): int(row["supports"]) for row in meta["tally"]} if "tally" in meta else None)
    if published is not None:
        notes = compare_tally(check, published)
    else:
        notes.append("no published results given (--results): the tally was recounted but not compared")
    return check, notes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Verify an Engage Cremona ledger of supports and recount it.")
    parser.add_argument("ledger", help="the ledger file downloaded from the results page (.json or .csv)")
    parser.add_argument("--consultation", type=int, help="consultation id (only if the file does not say)")
    parser.add_argument("--expect-head", metavar="HASH", help="the head hash shown on the results page")
    parser.add_argument("--expect-length", metavar="N", type=int, help="the number of entries shown with it")
    parser.add_argument("--results", metavar="FILE",
                        help="the results page's proposals export (proposte.csv or proposte.json)")
    args = parser.parse_args(argv)
    try:
        with open(args.ledger, encoding="utf-8-sig") as handle:
            ledger_text = handle.read()
        results = None
        if args.results:
            with open(args.results, encoding="utf-8-sig") as handle:
                results = read_results(handle.read(), args.results)
        check, notes = verify(ledger_text, args.ledger, consultation_id=args.consultation,
                              expect_head=args.expect_head, expect_length=args.expect_length, results=results)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        print(f"cannot read: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}")
    for proposal_id, supports in sorted(check.tally.items()):
        print(f"proposal {proposal_id}: {_supports(supports)}")
    if check.ok:
        print(f"OK: {check.length} entries, head {check.head}")
        return 0
    for problem in check.problems:
        print(f"MISMATCH {problem}")
    print(f"FAILED: {len(check.problems)} problem(s) in {check.length} entries")
    return 1


if __name__ == "__main__":
    sys.exit(main())
