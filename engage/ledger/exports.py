"""The ledger downloads, streamed (millions of entries fit in constant memory).

The CSV holds only machine values (numbers, hex, "+"/"-", times), never typed text, so it is
written as is: defusing formula-like cells would turn "+" into "'+" and break the hashes.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from engage.ledger import queries
from engage.ledger.verify_ledger import ENTRY_FIELDS

CSV_HEADER = ("consultation_id", *ENTRY_FIELDS)


def csv_lines(consultation_id: int) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for entry in queries.entries(consultation_id):
        row = entry.as_row()
        writer.writerow([consultation_id, *(row[field] for field in ENTRY_FIELDS)])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(consultation, consultation_url: str) -> Iterator[str]:
    """One JSON object: the frame from queries.as_document, then "entries" as they stream."""
    frame = json.dumps(queries.as_document(consultation, consultation_url), ensure_ascii=False)
    yield frame[:-1] + ', "entries": ['
    first = True
    for entry in queries.entries(consultation.id):
        yield ("" if first else ",") + "\n" + json.dumps(entry.as_row())
        first = False
    yield "\n]}\n"
