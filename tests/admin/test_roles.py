"""Admins grant roles and officer memberships, in the web UI and from the CLI."""
from sqlalchemy import select

from engage.auth.models import Role, User
from tests.factories import form_token, institution, make_user


def test_an_admin_makes_a_citizen_moderator_and_officer_of_two_institutions(client_as, db):
    admin = make_user(Role.ADMIN)
    citizen = make_user(display_name="Giulia")
    client = client_as(admin)
    page = f"/admin/utenti/{citizen.id}"
    assert "Giulia" in client.get("/admin/utenti?q=giul").get_data(as_text=True)

    client.post(f"{page}/ruolo", data={"role": "moderator", "csrf_token": form_token(client, page)})
    assert citizen.role is Role.MODERATOR

    for slug in ("provincia-cremona", "comune-crema"):
        client.post(f"{page}/enti", data={"institution": institution(slug).id,
                                          "csrf_token": form_token(client, page)})
    assert sorted(i.slug for i in citizen.institutions) == ["comune-crema", "provincia-cremona"]

    crema = institution("comune-crema")
    client.post(f"{page}/enti/{crema.id}/rimuovi", data={"csrf_token": form_token(client, page)})
    assert [i.slug for i in citizen.institutions] == ["provincia-cremona"]


def test_the_last_admin_cannot_give_up_the_role(client_as, db):
    for user in db.session.scalars(select(User).where(User.role == Role.ADMIN)):
        user.role = Role.CITIZEN
    admin = make_user(Role.ADMIN)
    client = client_as(admin)
    page = f"/admin/utenti/{admin.id}"
    response = client.post(f"{page}/ruolo", data={"role": "citizen", "csrf_token": form_token(client, page)},
                           follow_redirects=True)
    assert admin.role is Role.ADMIN
    assert "unico amministratore" in response.get_data(as_text=True)


def test_the_first_admin_is_created_from_the_cli(runner, db):
    result = runner.invoke(args=["users", "create-admin", "capo@example.org", "--display-name", "Capo",
                                 "--password", "una password robusta"])
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "capo@example.org"))
    assert admin.role is Role.ADMIN and admin.is_confirmed and admin.check_password("una password robusta")


def test_the_cli_grants_roles_and_memberships_and_explains_mistakes(runner, db):
    user = make_user(email="giulia@example.org")
    assert runner.invoke(args=["users", "set-role", "giulia@example.org", "moderator"]).exit_code == 0
    assert user.role is Role.MODERATOR
    result = runner.invoke(args=["users", "add-officer", "giulia@example.org", "comune-cremona"])
    assert result.exit_code == 0 and [i.slug for i in user.institutions] == ["comune-cremona"]
    result = runner.invoke(args=["users", "remove-officer", "giulia@example.org", "comune-cremona"])
    assert result.exit_code == 0 and user.institutions == []
    result = runner.invoke(args=["users", "set-role", "nessuno@example.org", "admin"])
    assert result.exit_code != 0 and "No account" in result.output
    result = runner.invoke(args=["users", "create-admin", "x@example.org", "--password", "corta"])
    assert result.exit_code != 0 and "password" in result.output


def test_demo_accounts_exist_for_every_role_and_are_refused_in_production(runner, app, db):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    roles = {u.role for u in db.session.scalars(select(User).where(User.email.like("%@example.org")))}
    assert roles == {Role.ADMIN, Role.MODERATOR, Role.CITIZEN}
    officer = db.session.scalar(select(User).where(User.email == "referente@example.org"))
    assert {i.slug for i in officer.institutions} == {"provincia-cremona", "comune-cremona"}
    assert db.session.scalar(select(User).where(User.email == "admin@example.org")).check_password("partecipa-cremona")

    app.config["ENGAGE_ENV"] = "production"
    try:
        result = runner.invoke(args=["demo", "load"])
    finally:
        app.config["ENGAGE_ENV"] = "development"
    assert result.exit_code != 0 and "production" in result.output
