"""The summary and its underlying lists as CSV, JSON and XLSX, from the same queries as the
page: the proposals with their counts and answers, the comments (hidden ones never), and the
summary's figures. One row layout per table, shared by every format."""
from __future__ import annotations

import io
import json

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from engage.comments.models import Comment
from engage.core.csvexport import safe_cell, to_csv
from engage.extensions import db
from engage.proposals.models import Proposal
from engage.results.summary import Scope, Summary, _comments_in
from engage.votes.tally import counted_comment

TABLES = ("proposte", "commenti", "sintesi")
FORMATS = ("csv", "json", "xlsx")


def proposal_rows(scope: Scope) -> tuple[list[str], list[list]]:
    header = ["id", "title", "priority_point", "comune", "author", "official", "status", "supports", "comments",
              "answer_status", "answer_decided_at", "progress", "url_path"]
    proposals = db.session.scalars(
        select(Proposal).join(Proposal.consultation).where(scope.proposals())
        .options(joinedload(Proposal.priority_point), joinedload(Proposal.comune), joinedload(Proposal.author),
                 joinedload(Proposal.official_answer))
        .order_by(Proposal.support_count.desc(), Proposal.id))
    rows = []
    for p in proposals:
        answer = p.official_answer
        rows.append([p.id, p.title, p.priority_point.number, p.comune.name if p.comune else "",
                     "" if p.is_official or p.author is None else p.author.display_name, p.is_official,
                     p.status.value, p.support_count, p.comment_count, answer.status.value if answer else "",
                     answer.decided_at.isoformat() if answer and answer.decided_at else "",
                     answer.progress if answer else "", f"/proposte/{p.id}"])
    return header, rows


def comment_rows(scope: Scope) -> tuple[list[str], list[list]]:
    header = ["id", "proposal_id", "parent_id", "author", "stance", "created_at", "body"]
    comments = db.session.scalars(
        select(Comment).where(_comments_in(scope), *counted_comment())
        .options(joinedload(Comment.author)).order_by(Comment.id))
    return header, [[c.id, c.proposal_id or "", c.parent_id or "", c.author.display_name if c.author else "",
                     c.stance.value if c.stance else "", c.created_at.isoformat(), c.body] for c in comments]


def summary_rows(figures: Summary) -> tuple[list[str], list[list]]:
    """The summary as (section, item, value, extra) lines, exactly the page's numbers."""
    rows = [["totals", "participants", figures.participants, ""], ["totals", "proposals", figures.proposals, ""],
            ["totals", "supports", figures.supports, ""], ["totals", "comments", figures.comments, ""],
            ["totals", "questionnaire_responses", figures.questionnaire_responses, ""]]
    rows += [["ranking", f"{r.proposal.id} {r.proposal.title}", r.supports, "qualifies" if r.qualifies else ""]
             for r in figures.ranking]
    rows += [["priority_point", f"{point.number} {point.title_it}", proposals, supports]
             for point, proposals, supports in figures.by_point]
    rows += [["comune", comune.name if comune else "", count, "" if rate is None else rate]
             for comune, count, rate in figures.by_comune]
    rows += [["age_band", band.value if band else "", count, share] for band, count, share in figures.by_age]
    rows += [["answers", status.value if status else "none", count, ""] for status, count in figures.answers.items()]
    rows += [["answers", "overdue", figures.overdue, ""]]
    rows += [["over_time", day.isoformat(), supports, f"{proposals} {comments}"]
             for day, proposals, supports, comments in figures.over_time]
    if figures.ledger is not None:
        rows += [["ledger", "length", figures.ledger.length, "sealed" if figures.ledger.sealed else "not sealed"],
                 ["ledger", "head_hash", figures.ledger.hash,
                  figures.ledger.sealed_at.isoformat() if figures.ledger.sealed_at else ""]]
    return ["section", "item", "value", "extra"], rows


def table(scope: Scope, name: str, figures: Summary | None = None) -> tuple[list[str], list[list]]:
    if name == "proposte":
        return proposal_rows(scope)
    if name == "commenti":
        return comment_rows(scope)
    return summary_rows(figures)


def render(header: list[str], rows: list[list], fmt: str, sheet: str) -> tuple[bytes, str]:
    """(body, mimetype)."""
    if fmt == "csv":
        return to_csv(header, rows).encode("utf-8"), "text/csv; charset=utf-8"
    if fmt == "json":
        data = {"licence": "CC BY 4.0", "columns": header, "rows": [dict(zip(header, r, strict=True)) for r in rows]}
        return json.dumps(data, ensure_ascii=False, default=str).encode(), "application/json"
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(header)
    for row in rows:  # cells are values, never formulas: a text starting with "=" stays text
        worksheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_cell(value):
    """Text that a spreadsheet would run is defused; characters XML 1.0 forbids (a pasted
    vertical tab, an escape) are dropped, or the whole file could not be written."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))


def filename(scope: Scope, name: str, fmt: str) -> str:
    return f"{_('results')}-{scope.kind}-{getattr(scope.target, 'id', '')}-{name}.{fmt}"
