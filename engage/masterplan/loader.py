"""Load the shipped Masterplan 3C data. Idempotent, and never touches rows that exist.

Rows are matched by slug: a second run adds only what is missing, so an admin's later
edits (titles, descriptions, order, links) are never overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from engage.extensions import db
from engage.institutions.models import Institution, InstitutionKind
from engage.masterplan.models import Axis, PriorityPoint

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "masterplan3c.yaml"


@dataclass
class LoadReport:
    axes: int = 0
    institutions: int = 0
    priority_points: int = 0


def load_masterplan(path: Path = DATA_FILE) -> LoadReport:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    report = LoadReport()
    axes = {a.slug: a for a in db.session.scalars(select(Axis))}
    for position, item in enumerate(data["axes"]):
        if item["slug"] not in axes:
            axes[item["slug"]] = Axis(slug=item["slug"], position=position, title_it=item["title_it"],
                                      title_en=item.get("title_en"),
                                      description_it=item.get("description_it", ""),
                                      description_en=item.get("description_en"))
            db.session.add(axes[item["slug"]])
            report.axes += 1

    institutions = {i.slug: i for i in db.session.scalars(select(Institution))}
    for position, item in enumerate(data["institutions"]):
        if item["slug"] not in institutions:
            institutions[item["slug"]] = Institution(
                slug=item["slug"], name=item["name"], kind=InstitutionKind(item["kind"]),
                role_it=item.get("role_it", ""), role_en=item.get("role_en"),
                is_lead=item.get("lead", False),
                membership_verified=item.get("membership_verified", True), position=position)
            db.session.add(institutions[item["slug"]])
            report.institutions += 1

    existing_points = set(db.session.scalars(select(PriorityPoint.slug)))
    for position, item in enumerate(data["priority_points"]):
        if item["slug"] in existing_points:
            continue
        db.session.add(PriorityPoint(
            slug=item["slug"], number=item["number"], position=position, axis=axes[item["axis"]],
            title_it=item["title_it"], title_en=item.get("title_en"),
            description_it=item["description_it"], description_en=item.get("description_en"),
            pnrr_missions=", ".join(item.get("pnrr_missions", [])),
            inferred=item.get("inferred", False), provenance=_provenance(item),
            institutions=[institutions[slug] for slug in item.get("institutions", [])]))
        report.priority_points += 1
    db.session.flush()
    return report


def _provenance(item: dict) -> str:
    lines = [f"- {basis}" for basis in item.get("basis", [])]
    lines += [f"- {source}" for source in item.get("sources", [])]
    return "\n".join(lines)
