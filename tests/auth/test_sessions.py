"""Signing in: one generic refusal, safe redirects, and sessions that end when they must."""
from tests.factories import PASSWORD, form_token, make_user


def sign_in(client, email, password, next_url=""):
    return client.post("/accedi" + (f"?next={next_url}" if next_url else ""),
                       data={"email": email, "password": password,
                             "csrf_token": form_token(client, "/accedi")})


def test_a_wrong_password_and_an_unknown_address_get_the_same_message(client, db):
    make_user(email="mario@example.org")
    wrong_password = sign_in(client, "mario@example.org", "sbagliata!!").get_data(as_text=True)
    unknown = sign_in(client, "nessuno@example.org", "sbagliata!!").get_data(as_text=True)
    message = "L&#39;indirizzo e-mail o la password non sono corretti."
    assert message in wrong_password and message in unknown
    assert 'value="mario@example.org"' in wrong_password  # the address stays typed


def test_after_signing_in_you_return_where_you_were_but_never_to_another_site(client, db):
    make_user(email="mario@example.org")
    response = sign_in(client, "mario@example.org", PASSWORD, next_url="/enti/")
    assert response.headers["Location"] == "/enti/"
    client.post("/esci", data={"csrf_token": form_token(client, "/")})
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = sign_in(client, "mario@example.org", PASSWORD, next_url=hostile)
        assert response.headers["Location"] == "/"
        client.post("/esci", data={"csrf_token": form_token(client, "/")})


def test_changing_the_password_signs_out_every_other_session(app, db):
    user = make_user(email="mario@example.org")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        assert sign_in(device, "mario@example.org", PASSWORD).status_code == 302

    response = laptop.post("/profilo/password", data={
        "current_password": PASSWORD, "password": "una nuova password", "password_again": "una nuova password",
        "csrf_token": form_token(laptop, "/profilo/password")})
    assert response.status_code == 302

    assert laptop.get("/profilo").status_code == 200  # this session goes on
    assert phone.get("/profilo").status_code == 302  # the other one has ended
    assert user.check_password("una nuova password")


def test_a_wrong_current_password_is_refused_and_explained(client_as, db):
    client = client_as(make_user())
    response = client.post("/profilo/password", data={
        "current_password": "non è questa", "password": "una nuova password",
        "password_again": "una nuova password", "csrf_token": form_token(client, "/profilo/password")})
    assert response.status_code == 422
    assert "La password attuale non è corretta" in response.get_data(as_text=True)


def test_pages_for_members_send_visitors_to_sign_in(client):
    response = client.get("/profilo")
    assert response.status_code == 302 and response.headers["Location"].startswith("/accedi?next=")
