"""A citizen's whole account journey, with every mail delivered over real SMTP."""
from sqlalchemy import select

from engage.auth.models import AgeBand, User
from tests.factories import comune_named, form_token


def register(client, **overrides):
    data = {
        "display_name": "Lucia del Po",
        "email": "lucia@example.org",
        "password": "una password lunga",
        "password_again": "una password lunga",
        "comune": str(comune_named("Casalmaggiore").id),
        "age_band": "18_29",
        "privacy": "y",
        "csrf_token": form_token(client, "/registrati"),
    }
    data.update(overrides)
    return client.post("/registrati", data=data)


def test_register_confirm_login_logout_and_reset_the_password(client, mailbox, db):
    # Lucia registers and is told to check her inbox.
    response = register(client)
    assert response.status_code == 200
    assert "lucia@example.org" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "lucia@example.org"))
    assert user.comune.name == "Casalmaggiore" and user.age_band is AgeBand.FROM_18_TO_29
    assert not user.is_confirmed and user.locale == "it"
    assert user.password_hash.startswith("scrypt:")

    # The confirmation mail arrives, in Italian, with a signed link.
    mail = mailbox.last_to("lucia@example.org")
    assert "Conferma" in mail["Subject"]
    response = client.get(mailbox.path_in(mail), follow_redirects=True)
    assert "confermato" in response.get_data(as_text=True)
    assert user.is_confirmed

    # She signs in and out.
    response = client.post("/accedi", data={"email": "Lucia@Example.org", "password": "una password lunga",
                                            "csrf_token": form_token(client, "/accedi")})
    assert response.status_code == 302
    assert "Lucia del Po" in client.get("/").get_data(as_text=True)
    client.post("/esci", data={"csrf_token": form_token(client, "/")})
    assert "Lucia del Po" not in client.get("/").get_data(as_text=True)

    # She forgets the password and resets it through the mailed link.
    mailbox.clear()
    response = client.post("/password-dimenticata", data={
        "email": "lucia@example.org", "csrf_token": form_token(client, "/password-dimenticata")})
    assert response.status_code == 200
    reset_link = mailbox.path_in(mailbox.last_to("lucia@example.org"))
    response = client.post(reset_link, data={"password": "nuova password sicura",
                                             "password_again": "nuova password sicura",
                                             "csrf_token": form_token(client, reset_link)})
    assert response.status_code == 302
    # The link works only once.
    assert client.get(reset_link).status_code == 400

    # The old password no longer works; the new one does.
    def login(password):
        return client.post("/accedi", data={"email": "lucia@example.org", "password": password,
                                            "csrf_token": form_token(client, "/accedi")})
    assert login("una password lunga").status_code == 422
    assert login("nuova password sicura").status_code == 302


def test_a_mistake_in_the_form_keeps_what_was_typed_and_explains_each_field(client, db):
    response = register(client, email="non-una-email", password_again="diversa", privacy="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Lucia del Po"' in html and 'value="non-una-email"' in html
    assert "Inserisci un indirizzo e-mail valido" in html
    assert "Le due password non coincidono" in html
    assert "informativa" in html
    assert "una password lunga" not in html  # passwords are never echoed back
    assert db.session.scalar(select(User).where(User.display_name == "Lucia del Po")) is None
    # The summary at the top of the form links each mistake to its field (the browser tests in
    # tests/interface/test_form_errors.py follow the links).
    summary = html[html.index('id="form-errors"'):html.index("<form", html.index('id="form-errors"'))]
    assert 'href="#email"' in summary and 'href="#password_again"' in summary and 'href="#privacy"' in summary
    assert 'href="#display_name"' not in summary  # no mistake there


def test_someone_outside_the_province_can_register(client, db):
    register(client, comune="outside", age_band="")
    user = db.session.scalar(select(User).where(User.email == "lucia@example.org"))
    assert user.lives_outside_province and user.age_band is None


def test_a_municipality_must_be_chosen_from_the_list(client, db):
    response = register(client, comune="")
    assert "Scegli il tuo comune" in response.get_data(as_text=True)
    response = register(client, comune="999999")
    assert response.status_code == 422


def test_registering_a_known_address_reveals_nothing_and_warns_the_owner(client, mailbox, db):
    register(client)
    mailbox.clear()
    second = register(client, display_name="Altro Nome", password="un'altra password",
                      password_again="un'altra password")
    assert second.status_code == 200
    assert "lucia@example.org" in second.get_data(as_text=True)  # the same "check your inbox" page
    assert len(db.session.scalars(select(User).where(User.email == "lucia@example.org")).all()) == 1
    warning = mailbox.last_to("lucia@example.org")
    assert "registr" in warning["Subject"].lower()
    assert "/accedi" in mailbox.body(warning)


def test_public_names_are_unique_whatever_the_case(client, db):
    register(client)
    response = register(client, email="altra@example.org", display_name="LUCIA  DEL PO")
    assert response.status_code == 422
    assert "nome pubblico è già in uso" in response.get_data(as_text=True)


def test_a_forged_or_expired_confirmation_link_is_refused(client, app, mailbox, db):
    register(client)
    link = mailbox.path_in(mailbox.last_to("lucia@example.org"))
    assert client.get(link[:-3] + "xyz").status_code == 400
    app.config["EMAIL_CONFIRM_MAX_AGE"] = -1
    try:
        assert client.get(link).status_code == 400
    finally:
        app.config["EMAIL_CONFIRM_MAX_AGE"] = 48 * 3600
    assert not db.session.scalar(select(User).where(User.email == "lucia@example.org")).is_confirmed


def test_an_unconfirmed_user_can_ask_for_a_new_link(client_as, mailbox, db):
    from tests.factories import make_user

    user = make_user(confirmed=False, email="nuovo@example.org")
    client = client_as(user)
    assert "Conferma il tuo indirizzo" in client.get("/").get_data(as_text=True)
    client.post("/conferma/invia-di-nuovo", data={"csrf_token": form_token(client, "/profilo")})
    assert mailbox.to("nuovo@example.org")
