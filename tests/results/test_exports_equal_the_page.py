"""One number, one source: the results page, its CSV, JSON and XLSX downloads (proposals,
comments, summary) all say what summary() says, which is what was worked out by hand in
tests/results/world.py. Hidden and deleted comments are in no file; a text that starts like a
spreadsheet formula is defused in the CSV and the XLSX (and kept as written in the JSON).
"""
import re

import pytest

from engage.ledger.queries import head as ledger_head
from babel.dates import format_date
from openpyxl import load_workbook

from engage.results.exports import comment_rows, proposal_rows, summary_rows
from engage.results.summary import Scope, summary
from tests.factories import form_token, priority_point
from tests.results import world as w
from tests.results.world import Page, read_csv, read_json, read_xlsx

ENGLISH = {"Accept-Language": "en"}
FORMATS = ("csv", "json", "xlsx")


@pytest.fixture
def story(db):
    return w.build_world()


def download(client, story, table: str, fmt: str) -> tuple[list[str], list[list]]:
    """(header, rows) of a download, whatever its format; every value as text."""
    response = client.get(f"{story.url}/{table}.{fmt}")
    # "risultati-..." once the catalogue has the word; the rest is fixed.
    assert re.fullmatch(rf"attachment; filename=\w+-consultation-{story.consultation.id}-{table}\.{fmt}",
                        response.headers["Content-Disposition"])
    if fmt == "csv":
        header, *rows = read_csv(response)
    elif fmt == "xlsx":
        header, *rows = read_xlsx(response)
    else:
        data = read_json(response)
        assert data["licence"] == "CC BY 4.0"
        header, rows = data["columns"], [[row[column] for column in data["columns"]] for row in data["rows"]]
    return header, [[text(value) for value in row] for row in rows]


def text(value) -> str:
    return "" if value is None else str(value)


def undefused(value: str) -> str:
    return value[1:] if value.startswith("'=") else value


@pytest.fixture
def page(story, client):
    return Page.of(client.get(story.url, headers=ENGLISH))


# --- The page ------------------------------------------------------------------------------------------

def test_the_page_shows_every_figure_worked_out_by_hand(story, page):
    head = ledger_head(story.consultation)
    assert page.figures == {"Participants": "7", "Proposals": "4", "Supports": "10", "Comments": "6",
                            "Questionnaire responses": "3",
                            # the ledger also holds the supports of the hidden proposal
                            "Entries": str(head.length), "Head hash (SHA-256)": head.hash}
    assert head.length == 11 and not head.sealed
    assert [row[:4] for row in page.body("ranking-title")] == [
        ["1", f"{w.P1} Qualified", "4", "2 / 1 / 0"], ["2", f"{w.P2} Qualified", "3", "0 / 0 / 1"],
        ["3", f"{w.P4} Qualified", "2", "0 / 0 / 0"], ["4", w.P3, "1", "0 / 0 / 0"]]
    assert [row[4] for row in page.body("ranking-title")] == ["Accepted", "Under evaluation", "–", "–"]
    assert page.table("ranking-title").row_classes[1:] == ["qualifies", "qualifies", "qualifies", ""]
    assert page.body("time-title") == [[format_date(day, "medium", locale="en"), str(p), str(s), str(c)]
                                       for day, p, s, c in w.OVER_TIME]
    assert page.body("points-title") == [[f"1. {priority_point(1).title_en}", "2", "3"],
                                         [f"5. {priority_point(5).title_en}", "2", "7"]]
    assert page.body("comuni-title") == [["Castelvisconti", "1", "3.55"], ["Casalmaggiore", "2", "0.13"],
                                         ["Crema", "2", "0.06"], ["Cremona", "1", "0.01"],
                                         ["Not given or outside the province", "1", "–"]]
    assert page.body("age-title") == [["18 to 29", "2", "28.6"], ["30 to 44", "1", "14.3"], ["45 to 64", "2", "28.6"],
                                      ["65 and over", "1", "14.3"], ["Not given", "1", "14.3"]]
    assert sorted(page.body("answers-title")) == [["Accepted", "1"], ["No answer yet", "1"], ["Under evaluation", "1"]]


def test_no_figure_lives_only_in_a_chart(page):
    """Each chart has a title and a description, and its numbers are the table's."""
    for chart in ("chart-ranking", "chart-time", "chart-comuni"):
        assert page.charts[chart]["title"] and page.charts[chart]["desc"], chart
    ranking = page.charts["chart-ranking"]["texts"]
    assert ranking[:8] == [w.P1, "4", w.P2, "3", w.P4, "2", w.P3, "1"]
    assert ranking[8] == "threshold"
    assert page.charts["chart-comuni"]["texts"] == ["Castelvisconti", "3.55", "Casalmaggiore", "0.13", "Crema",
                                                    "0.06", "Cremona", "0.01"]


def test_the_italian_page_writes_the_same_numbers_the_italian_way(story, client):
    page = Page.of(client.get(story.url))
    assert list(page.figures.values())[:5] == ["7", "4", "10", "6", "3"]
    assert [row[2] for row in page.body("comuni-title")] == ["3,55", "0,13", "0,06", "0,01", "–"]
    assert [row[2] for row in page.body("age-title")] == ["28,6", "14,3", "28,6", "14,3", "14,3"]


def test_the_page_says_how_many_answers_are_owed_and_overdue(story, client):
    html = client.get(story.url, headers=ENGLISH).get_data(as_text=True)
    assert "3 proposals are owed an official answer; 0 are overdue." in html


# --- The downloads ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_the_summary_download_holds_the_pages_figures(story, client, page, fmt):
    header, rows = download(client, story, "sintesi", fmt)
    assert header == ["section", "item", "value", "extra"]
    by_section: dict[str, list] = {}
    for section, item, value, extra in rows:
        by_section.setdefault(section, []).append((item, value, extra))
    p = story.proposals
    assert by_section["totals"] == [("participants", "7", ""), ("proposals", "4", ""), ("supports", "10", ""),
                                    ("comments", "6", ""), ("questionnaire_responses", "3", "")]
    assert by_section["ranking"] == [
        (f"{p['P1'].id} {w.P1}", "4", "qualifies"), (f"{p['P2'].id} {w.P2}", "3", "qualifies"),
        (f"{p['P4'].id} {w.P4}", "2", "qualifies"), (f"{p['P3'].id} {w.P3}", "1", "")]
    assert by_section["priority_point"] == [(f"1 {priority_point(1).title_it}", "2", "3"),
                                            (f"5 {priority_point(5).title_it}", "2", "7")]
    assert by_section["comune"] == [("Castelvisconti", "1", "3.55"), ("Casalmaggiore", "2", "0.13"),
                                    ("Crema", "2", "0.06"), ("Cremona", "1", "0.01"), ("", "1", "")]
    assert by_section["age_band"] == [("18_29", "2", "28.6"), ("30_44", "1", "14.3"), ("45_64", "2", "28.6"),
                                      ("65_plus", "1", "14.3"), ("", "1", "14.3")]
    assert sorted(by_section["answers"]) == [("accepted", "1", ""), ("none", "1", ""), ("overdue", "0", ""),
                                             ("under_evaluation", "1", "")]
    assert by_section["over_time"] == [(day.isoformat(), str(s), f"{n} {c}") for day, n, s, c in w.OVER_TIME]

    # And the page shows those very numbers.
    totals = dict((item, value) for item, value, _ in by_section["totals"])
    assert [page.figures[label] for label in ("Participants", "Proposals", "Supports", "Comments",
                                              "Questionnaire responses")] == \
        [totals[key] for key in ("participants", "proposals", "supports", "comments", "questionnaire_responses")]
    assert [(row[1].removesuffix(" Qualified"), row[2]) for row in page.body("ranking-title")] == \
        [(item.split(" ", 1)[1], value) for item, value, _ in by_section["ranking"]]
    assert [row[1:] for row in page.body("comuni-title")] == \
        [[value, extra or "–"] for _item, value, extra in by_section["comune"]]


def test_the_three_formats_of_each_download_hold_the_same_rows(story, client):
    for table in ("proposte", "commenti", "sintesi"):
        csv_, json_, xlsx = (download(client, story, table, fmt) for fmt in FORMATS)
        assert csv_ == xlsx, table  # both defused the same way
        assert [[undefused(v) for v in row] for row in csv_[1]] == json_[1], table
        assert csv_[0] == json_[0], table


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_proposals_download_has_the_counts_and_answers(story, client, page, fmt):
    header, rows = download(client, story, "proposte", fmt)
    assert header == ["id", "title", "priority_point", "comune", "author", "official", "status", "supports",
                      "comments", "answer_status", "answer_decided_at", "progress", "url_path"]
    table = [dict(zip(header, row, strict=True)) for row in rows]
    p = story.proposals
    assert [(r["id"], r["title"], r["priority_point"], r["author"], r["official"], r["supports"], r["comments"],
             r["answer_status"], r["url_path"]) for r in table] == [
        (str(p["P1"].id), w.P1, "5", "Anna", "False", "4", "4", "accepted", f"/proposte/{p['P1'].id}"),
        (str(p["P2"].id), w.P2, "5", "Bruno", "False", "3", "1", "under_evaluation", f"/proposte/{p['P2'].id}"),
        (str(p["P4"].id), w.P4, "1", "", "True", "2", "0", "", f"/proposte/{p['P4'].id}"),
        (str(p["P3"].id), w.P3, "1", "Carla", "False", "1", "0", "", f"/proposte/{p['P3'].id}"),
    ]
    # Decided: P1 has its date; "under evaluation" is not a decision.
    assert table[0]["answer_decided_at"].startswith(p["P1"].official_answer.decided_at.date().isoformat())
    assert table[1]["answer_decided_at"] == ""
    # The page's ranking is this file's first rows, same supports.
    assert [(row[1].removesuffix(" Qualified"), row[2]) for row in page.body("ranking-title")] == \
        [(r["title"], r["supports"]) for r in table]
    assert sum(int(r["supports"]) for r in table) == int(page.figures["Supports"])
    assert len(table) == int(page.figures["Proposals"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_comments_download_leaves_out_hidden_and_deleted_comments(story, client, page, fmt):
    header, rows = download(client, story, "commenti", fmt)
    assert header == ["id", "proposal_id", "parent_id", "author", "stance", "created_at", "body"]
    table = [dict(zip(header, row, strict=True)) for row in rows]
    assert [undefused(r["body"]) for r in table] == w.COMMENT_BODIES
    assert len(table) == int(page.figures["Comments"])
    assert [(r["author"], r["stance"]) for r in table] == [
        ("Dario", ""), ("Bruno", "against"), ("Elena", "in_favour"), ("Franco", "in_favour"), ("Anna", ""),
        ("Carla", "neutral")]
    assert table[0]["proposal_id"] == ""  # the general discussion
    assert table[4]["parent_id"] == table[1]["id"]  # Anna answered Bruno
    everything = repr(rows)
    for gone in (w.HIDDEN_COMMENT, w.DELETED_COMMENT, "Questo è spam.", "Ivo", "Hilda"):
        assert gone not in everything, gone


def test_a_cell_that_starts_like_a_formula_is_plain_text_in_the_csv_and_the_xlsx(story, client):
    csv_body = client.get(f"{story.url}/commenti.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_body and ",=HYPERLINK" not in csv_body and '"=HYPERLINK' not in csv_body
    workbook = load_workbook(__import__("io").BytesIO(client.get(f"{story.url}/commenti.xlsx").data))
    cells = [cell for row in workbook.worksheets[0].iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"], "a formula in the XLSX"
    assert any(cell.value == "'" + w.FORMULA for cell in cells)
    assert read_json(client.get(f"{story.url}/commenti.json"))["rows"][3]["body"] == w.FORMULA


def test_a_proposal_title_that_starts_like_a_formula_is_defused_too(story, client, db):
    story.proposals["P3"].title = "=1+1 biblioteche"
    db.session.commit()
    proposals = read_csv(client.get(f"{story.url}/proposte.csv"))
    assert "'=1+1 biblioteche" in [row[1] for row in proposals]
    summary_xlsx = read_xlsx(client.get(f"{story.url}/sintesi.xlsx"))
    assert f"{story.proposals['P3'].id} =1+1 biblioteche" in [row[1] for row in summary_xlsx]


def test_the_files_are_made_from_the_same_functions_as_summary(story):
    """What the view serves is exports.*_rows() of summary(): checked once without HTTP."""
    scope = Scope.of_consultation(story.consultation)
    _header, rows = summary_rows(summary(scope))
    assert rows[:5] == [["totals", "participants", 7, ""], ["totals", "proposals", 4, ""],
                        ["totals", "supports", 10, ""], ["totals", "comments", 6, ""],
                        ["totals", "questionnaire_responses", 3, ""]]
    assert [row[1] for row in proposal_rows(scope)[1]] == [w.P1, w.P2, w.P4, w.P3]
    assert [row[6] for row in comment_rows(scope)[1]] == w.COMMENT_BODIES


def test_point_and_axis_downloads_are_there_too(story, client):
    for url in ("/punti/azioni-energetiche/risultati", "/assi/transizione-ecologica/risultati"):
        for fmt in FORMATS:
            response = client.get(f"{url}/proposte.{fmt}")
            assert response.status_code == 200, (url, fmt)
        titles = [row[1] for row in read_csv(client.get(f"{url}/proposte.csv"))[1:]]
        assert titles == [w.P1, w.P2], url  # the point-5 proposals; P5 is hidden
        bodies = [row[6] for row in read_csv(client.get(f"{url}/commenti.csv"))[1:]]
        assert [undefused(b) for b in bodies] == w.COMMENT_BODIES[1:], url  # no general discussion there


def test_a_pasted_control_character_does_not_break_the_xlsx(story, client, client_as):
    anna = client_as(story.people["anna"])
    url = f"/proposte/{story.proposals['P1'].id}"
    response = anna.post(f"{url}/commenti", data={"body": "Copiato da Word:\x0b una riga\x1b", "stance": "",
                                                  "parent_id": "", "csrf_token": form_token(anna, url)})
    assert response.status_code == 302
    assert read_csv(client.get(f"{story.url}/commenti.csv"))[-1][-1] == "Copiato da Word:\x0b una riga\x1b"
    rows = read_xlsx(client.get(f"{story.url}/commenti.xlsx"))
    assert rows[-1][-1] == "Copiato da Word: una riga"
