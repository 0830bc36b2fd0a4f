"""The shipped Masterplan 3C data: complete, idempotent, and respectful of admins' edits."""
from sqlalchemy import func, select

from engage.institutions.models import Institution
from engage.masterplan.loader import load_masterplan
from engage.masterplan.models import Axis, PriorityPoint
from engage.territory.loader import load_comuni
from engage.territory.models import Comune
from tests.factories import priority_point


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_province_has_113_comuni_with_their_population(db):
    assert count(db, Comune) == 113
    assert db.session.scalar(select(func.sum(Comune.population))) == 351_698
    cremona = db.session.scalar(select(Comune).where(Comune.istat_code == "019036"))
    assert cremona.name == "Cremona" and cremona.population == 71_523


def test_three_axes_thirteen_points_and_the_ats_members(db):
    assert count(db, Axis) == 3
    assert count(db, PriorityPoint) == 13
    assert sorted(db.session.scalars(select(PriorityPoint.number))) == list(range(1, 14))
    lead = db.session.scalar(select(Institution).where(Institution.is_lead))
    assert lead.name == "Provincia di Cremona"
    assert all(p.institutions for p in db.session.scalars(select(PriorityPoint)))
    assert all(p.inferred and p.provenance for p in db.session.scalars(select(PriorityPoint)))


def test_loading_again_changes_nothing(db):
    before = [count(db, m) for m in (Axis, PriorityPoint, Institution, Comune)]
    report = load_masterplan()
    assert (report.axes, report.institutions, report.priority_points) == (0, 0, 0)
    assert load_comuni() == 0
    assert [count(db, m) for m in (Axis, PriorityPoint, Institution, Comune)] == before


def test_loading_again_never_overwrites_an_admins_edits(db):
    point = priority_point(4)
    point.title_it = "Infrastrutture, porti e ferrovie"
    point.institutions = []
    db.session.commit()
    load_masterplan()
    db.session.refresh(point)
    assert point.title_it == "Infrastrutture, porti e ferrovie"
    assert point.institutions == []


def test_the_cli_loads_the_data_idempotently(runner):
    result = runner.invoke(args=["data", "load"])
    assert result.exit_code == 0, result.output
    assert "Added 0 comuni, 0 axes, 0 institutions, 0 priority points." in result.output
