"""An admin keeps the Masterplan data true: points, axes and institutions, in both languages."""
import pytest
from sqlalchemy import select

from engage.auth.models import Role
from engage.institutions.models import Institution
from engage.masterplan.models import Axis, PriorityPoint
from tests.factories import form_token, institution, make_user, priority_point


@pytest.fixture
def admin_client(client_as):
    return client_as(make_user(Role.ADMIN))


def point_form(point, **changes):
    data = {"number": point.number, "axis": str(point.axis_id), "title_it": point.title_it,
            "title_en": point.title_en or "", "description_it": point.description_it,
            "description_en": point.description_en or "", "pnrr_missions": point.pnrr_missions,
            "institutions": [str(i.id) for i in point.institutions], "provenance": point.provenance,
            "slug": point.slug}
    if point.inferred:
        data["inferred"] = "y"
    data.update(changes)
    return data


def test_the_admin_sees_where_each_point_comes_from(admin_client):
    point = priority_point(1)
    html = admin_client.get(f"/admin/punti/{point.id}").get_data(as_text=True)
    assert "cremonaoggi.it" in html  # the sources behind the inferred point
    assert "ricostruito" in html.lower()


def test_the_admin_rewrites_a_point_in_both_languages_and_the_public_page_follows(admin_client, client, db):
    point = priority_point(12)
    data = point_form(point, title_it="Mobilità dolce e ciclabili", title_en="Cycling and walking",
                      institutions=[str(institution("comune-crema").id)],
                      csrf_token=form_token(admin_client, f"/admin/punti/{point.id}"))
    response = admin_client.post(f"/admin/punti/{point.id}", data=data)
    assert response.status_code == 302
    assert point.title_it == "Mobilità dolce e ciclabili"
    assert [i.slug for i in point.institutions] == ["comune-crema"]
    assert "Mobilità dolce e ciclabili" in client.get(f"/punti/{point.slug}").get_data(as_text=True)
    english = client.get(f"/punti/{point.slug}", headers={"Accept-Language": "en"})
    assert "Cycling and walking" in english.get_data(as_text=True)


def test_a_bad_point_form_keeps_the_text_and_says_what_is_wrong(admin_client, db):
    point = priority_point(2)
    taken = priority_point(3).slug
    data = point_form(point, title_it="Nuovo titolo da non perdere", description_it="", slug=taken,
                      csrf_token=form_token(admin_client, f"/admin/punti/{point.id}"))
    response = admin_client.post(f"/admin/punti/{point.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Nuovo titolo da non perdere"' in html
    assert "Inserisci la descrizione in italiano" in html
    db.session.refresh(point)
    assert point.title_it != "Nuovo titolo da non perdere"


def test_the_admin_creates_a_point_with_a_generated_slug(admin_client, db):
    axis = db.session.scalar(select(Axis).where(Axis.slug == "inclusione-sociale"))
    response = admin_client.post("/admin/punti/nuovo", data={
        "number": "14", "axis": str(axis.id), "title_it": "Casa e abitare", "description_it": "Politiche abitative.",
        "csrf_token": form_token(admin_client, "/admin/punti/nuovo")})
    assert response.status_code == 302
    point = db.session.scalar(select(PriorityPoint).where(PriorityPoint.number == 14))
    assert point.slug == "casa-e-abitare" and point.title_en is None and not point.inferred


def test_the_admin_reorders_points_within_their_axis(admin_client, client, db):
    axis = db.session.scalar(select(Axis).where(Axis.slug == "transizione-ecologica"))
    first, second = axis.priority_points[0], axis.priority_points[1]
    response = admin_client.post(f"/admin/punti/{second.id}/sposta", data={
        "direction": "up", "csrf_token": form_token(admin_client, "/admin/punti")})
    assert response.status_code == 302
    db.session.expire_all()
    assert [p.id for p in axis.priority_points][:2] == [second.id, first.id]
    home = client.get("/").get_data(as_text=True)
    assert home.index(f"/punti/{second.slug}") < home.index(f"/punti/{first.slug}")


def test_the_admin_edits_and_reorders_axes(admin_client, db):
    axis = db.session.scalar(select(Axis).where(Axis.slug == "inclusione-sociale"))
    response = admin_client.post(f"/admin/assi/{axis.id}", data={
        "title_it": "Inclusione e coesione sociale", "title_en": "Social inclusion and cohesion",
        "description_it": "", "description_en": "", "slug": axis.slug,
        "csrf_token": form_token(admin_client, f"/admin/assi/{axis.id}")})
    assert response.status_code == 302 and axis.title_it == "Inclusione e coesione sociale"
    admin_client.post(f"/admin/assi/{axis.id}/sposta", data={
        "direction": "up", "csrf_token": form_token(admin_client, "/admin/assi")})
    db.session.expire_all()
    order = list(db.session.scalars(select(Axis.slug).order_by(Axis.position)))
    assert order.index("inclusione-sociale") == 1


def test_the_admin_adds_and_edits_an_institution(admin_client, client, db):
    response = admin_client.post("/admin/enti/nuovo", data={
        "name": "Comune di Soresina", "kind": "municipality", "role_it": "Associato",
        "role_en": "", "membership_verified": "y",
        "csrf_token": form_token(admin_client, "/admin/enti/nuovo")})
    assert response.status_code == 302
    soresina = db.session.scalar(select(Institution).where(Institution.slug == "comune-di-soresina"))
    assert soresina.role_en is None
    assert "Comune di Soresina" in client.get("/enti/").get_data(as_text=True)
    english = client.get("/enti/comune-di-soresina", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<div class="" lang="it"><p>Associato</p></div>' in english


@pytest.mark.parametrize("path", ["/admin/", "/admin/punti", "/admin/assi", "/admin/enti", "/admin/utenti",
                                  "/admin/punti/nuovo"])
def test_admin_pages_open_for_admins_only(path, admin_client, client_as, client):
    assert admin_client.get(path).status_code == 200
    assert client_as(make_user(Role.MODERATOR)).get(path).status_code == 403
    assert client_as(make_user(officer_of=institution())).get(path).status_code == 403
    assert client.get(path).status_code == 302
