"""A journalist downloads a consultation's ledger and the verifier from its pages and recounts
the published results with nothing but Python; any change to the file is caught and located."""
import csv
import io
import json

import pytest

from engage.consultations.phases import Phase
from engage.ledger import queries
from engage.ledger.verify_ledger import entry_hash
from engage.moderation.models import Moderation
from tests.factories import make_consultation, make_proposal, make_user
from tests.ledger.world import download, run_verifier, supports, takes_back


@pytest.fixture
def published(db, app):
    """A consultation with results out: three proposals, supports given and taken back, one
    proposal hidden by moderation (its supports stay in the ledger, not in the results)."""
    consultation = make_consultation(Phase.VOTING)
    first, second, hidden = (make_proposal(consultation, title=t) for t in ("Prima", "Seconda", "Nascosta"))
    people = [make_user() for _ in range(5)]
    for person in people:
        supports(person, first)
    for person in people[:3]:
        supports(person, second)
    takes_back(people[0], second)
    supports(people[4], hidden)
    hidden.moderation = Moderation.HIDDEN
    consultation.voting_until = consultation.voting_from  # voting ends
    consultation.results_at = consultation.voting_until
    db.session.commit()
    assert consultation.phase is Phase.RESULTS
    return consultation


@pytest.fixture
def files(published, client, tmp_path):
    base = f"/consultazioni/{published.id}"
    page = client.get(f"{base}/registro", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    head = queries.head(published)
    assert head.sealed and head.hash in page.get_data(as_text=True)
    return {
        "verifier": download(client, "/registro/verify_ledger.py", tmp_path, "verify_ledger.py"),
        "json": download(client, f"{base}/registro.json", tmp_path, "registro.json"),
        "csv": download(client, f"{base}/registro.csv", tmp_path, "registro.csv"),
        "results_csv": download(client, f"{base}/risultati/proposte.csv", tmp_path, "proposte.csv"),
        "results_json": download(client, f"{base}/risultati/proposte.json", tmp_path, "proposte.json"),
        "head": head,
    }


def test_the_downloaded_ledger_recounts_to_the_published_results(files, published):
    head = files["head"]
    checked = run_verifier(files["verifier"], files["json"], "--expect-head", head.hash,
                           "--expect-length", head.length, "--results", files["results_csv"])
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"OK: 10 entries, head {head.hash}" in checked.stdout
    first, second, hidden = sorted({e.proposal_id for e in queries.entries(published.id)})
    assert f"proposal {first}: 5 supports" in checked.stdout and f"proposal {second}: 2 supports" in checked.stdout
    # The hidden proposal's support is in the ledger but not in the results: said, not failed.
    assert f"note: proposal {hidden}: 1 support in the ledger, not in the published results" in checked.stdout


def test_the_csv_ledger_and_the_json_results_check_the_same(files):
    head = files["head"]
    checked = run_verifier(files["verifier"], files["csv"], "--expect-head", head.hash,
                           "--expect-length", head.length, "--results", files["results_json"])
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_json_ledger_says_its_format_licence_head_and_tally(files, published):
    document = json.loads(files["json"].read_text())
    assert document["format"] == "engage-ledger/1" and document["licence"] == "CC BY 4.0"
    assert document["consultation"]["id"] == published.id
    assert document["head"] == {"length": 10, "hash": files["head"].hash, "sealed": True,
                                "sealed_at": files["head"].sealed_at.isoformat()}
    assert sorted(row["supports"] for row in document["tally"]) == [2, 5]  # the hidden proposal is not published
    assert [e["seq"] for e in document["entries"]] == list(range(1, 11))
    rows = list(csv.DictReader(io.StringIO(files["csv"].read_text())))
    assert [{k: v for k, v in r.items() if k != "consultation_id"} for r in rows] == [
        {k: str(v) for k, v in e.items()} for e in document["entries"]]


def _tampered(files, change) -> tuple[int, str]:
    document = json.loads(files["json"].read_text())
    change(document)
    files["json"].write_text(json.dumps(document))
    checked = run_verifier(files["verifier"], files["json"], "--expect-head", files["head"].hash)
    return checked.returncode, checked.stdout


def _rehash_from(document, index):
    """A forger who recomputes every hash after their change, to make the chain look whole."""
    entries = document["entries"]
    for position in range(index, len(entries)):
        e = entries[position]
        e["seq"] = position + 1
        e["prev_hash"] = entries[position - 1]["hash"] if position else "0" * 64
        e["hash"] = entry_hash(document["consultation"]["id"], e["seq"], e["proposal_id"], e["action"],
                               e["voter_token"], e["minute"], e["prev_hash"])
    document["head"]["hash"], document["head"]["length"] = entries[-1]["hash"], len(entries)


def test_an_altered_entry_is_found_and_located(files):
    def move_a_support(document):
        document["entries"][3]["proposal_id"] += 1

    status, output = _tampered(files, move_a_support)
    assert status == 1 and "entry 4 (seq 4): hash" in output and "the entry was altered" in output


def test_a_deleted_entry_is_found(files):
    status, output = _tampered(files, lambda d: d["entries"].pop(2))
    assert status == 1 and "entry 3: sequence number 4, expected 3" in output
    assert "previous hash" in output


def test_an_inserted_entry_is_found_even_with_every_hash_recomputed(files):
    def stuff_the_ballot(document):
        extra = dict(document["entries"][0], voter_token="a" * 64)
        document["entries"].insert(1, extra)
        _rehash_from(document, 1)
        document["tally"][0]["supports"] += 1

    status, output = _tampered(files, stuff_the_ballot)
    # The chain is whole again, but it no longer ends at the head published on the results page.
    assert status == 1 and "head: the last hash is" in output and "the published head is" in output


def test_reordered_entries_are_found(files):
    def swap(document):
        entries = document["entries"]
        entries[1], entries[2] = entries[2], entries[1]

    status, output = _tampered(files, swap)
    assert status == 1 and "entry 2: sequence number 3, expected 2" in output


def test_a_changed_published_count_is_found(files):
    first = files["results_csv"].read_text().splitlines()
    header, row = first[0].split(","), first[1].split(",")
    row[header.index("supports")] = str(int(row[header.index("supports")]) + 1)
    files["results_csv"].write_text("\n".join([first[0], ",".join(row), *first[2:]]) + "\n")
    checked = run_verifier(files["verifier"], files["json"], "--results", files["results_csv"])
    assert checked.returncode == 1 and "published 6 supports, the ledger counts 5" in checked.stdout


def test_a_double_support_or_a_withdrawal_never_given_is_found(files):
    def double(document):
        entries = document["entries"]
        entries.append(dict(entries[0]))
        _rehash_from(document, len(entries) - 1)

    status, output = _tampered(files, double)
    assert status == 1 and "supports proposal" in output and "twice" in output


def test_an_unreadable_file_is_a_clear_error_not_a_traceback(files, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"}')
    checked = run_verifier(files["verifier"], broken)
    assert checked.returncode == 2 and "cannot read" in checked.stderr and "Traceback" not in checked.stderr


@pytest.mark.parametrize("document", [
    "[1, 2]", '"engage-ledger/1"',
    '{"format": "engage-ledger/1", "consultation": {"id": 1}, "head": "x"}',
    '{"format": "engage-ledger/1", "entries": {"seq": 1}}',
    '{"format": "engage-ledger/1", "consultation": 3, "entries": []}',
    '{"format": "engage-ledger/1", "consultation": {"id": 1}, "tally": [7]}'])
def test_a_file_shaped_wrongly_is_a_clear_error_not_a_traceback(files, tmp_path, document):
    odd = tmp_path / "odd.json"
    odd.write_text(document)
    checked = run_verifier(files["verifier"], odd)
    assert checked.returncode == 2 and "cannot read" in checked.stderr and "Traceback" not in checked.stderr


def test_the_csv_alone_runs_and_any_changed_row_fails(files):
    """`python3 verify_ledger.py registro.csv` as a reader would first type it."""
    alone = run_verifier(files["verifier"], files["csv"])
    assert alone.returncode == 0 and f"OK: 10 entries, head {files['head'].hash}" in alone.stdout
    assert "note: no published head given" in alone.stdout  # it says what it could not check

    lines = files["csv"].read_text().splitlines()
    cells = lines[4].split(",")
    cells[2] = str(int(cells[2]) + 1)  # proposal_id of seq 4: a support moved to another proposal
    files["csv"].write_text("\n".join([*lines[:4], ",".join(cells), *lines[5:]]) + "\n")
    changed = run_verifier(files["verifier"], files["csv"])
    assert changed.returncode == 1 and "entry 4 (seq 4): hash" in changed.stdout


def test_a_csv_cut_short_fails_against_the_published_head(files):
    lines = files["csv"].read_text().splitlines()
    files["csv"].write_text("\n".join(lines[:-1]) + "\n")
    checked = run_verifier(files["verifier"], files["csv"], "--expect-head", files["head"].hash)
    assert checked.returncode == 1 and "head: the last hash is" in checked.stdout


@pytest.mark.parametrize("language", ["it", "en"])
def test_the_command_on_the_ledger_page_runs_as_printed_on_the_files_as_saved(published, client, tmp_path, language):
    """Someone downloads the three links of the ledger page, keeps the names the browser gives
    them, and pastes the command printed on the page."""
    import html
    import re
    import shlex

    base = f"/consultazioni/{published.id}"
    language_header = {"Accept-Language": language}
    page = client.get(f"{base}/registro", headers=language_header).get_data(as_text=True)
    command = html.unescape(re.search(r"<code>(python3 verify_ledger\.py [^<]+)</code>", page).group(1))
    for path in ("/registro/verify_ledger.py", f"{base}/registro.json", f"{base}/risultati/proposte.csv"):
        response = client.get(path, headers=language_header)
        saved_as = re.search(r"filename=([^;]+)", response.headers["Content-Disposition"]).group(1)
        (tmp_path / saved_as).write_bytes(response.data)
    arguments = shlex.split(command)[2:]
    checked = run_verifier(tmp_path / "verify_ledger.py", *arguments)
    assert checked.returncode == 0, command + "\n" + checked.stdout + checked.stderr
