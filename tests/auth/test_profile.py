from engage.auth.models import AgeBand
from tests.factories import comune_named, form_token, make_user


def test_a_citizen_updates_public_name_municipality_age_band_and_language(client_as, db):
    user = make_user(display_name="Mario")
    client = client_as(user)
    page = client.get("/profilo").get_data(as_text=True)
    assert 'value="Mario"' in page
    response = client.post("/profilo", data={
        "display_name": "Mario da Crema", "comune": str(comune_named("Crema").id),
        "age_band": "45_64", "locale": "en", "csrf_token": form_token(client, "/profilo")})
    assert response.status_code == 302
    assert user.display_name == "Mario da Crema" and user.comune.name == "Crema"
    assert user.age_band is AgeBand.FROM_45_TO_64 and user.locale == "en"
    assert "Your profile" in client.get("/profilo").get_data(as_text=True)


def test_a_public_name_taken_by_someone_else_is_refused_and_the_form_kept(client_as, db):
    make_user(display_name="Giulia")
    client = client_as(make_user(display_name="Mario"))
    response = client.post("/profilo", data={
        "display_name": "giulia", "comune": "outside", "age_band": "", "locale": "it",
        "csrf_token": form_token(client, "/profilo")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="giulia"' in html and "già in uso" in html
