"""Links sent by e-mail point at the site's own address, whatever Host a request claims."""
from tests.factories import make_user


def test_a_forged_host_header_cannot_put_a_reset_link_on_another_site(app, db, client, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://partecipa.example.it")
    make_user(email="lucia@example.org")
    db.session.commit()
    page = client.get("/password-dimenticata", headers={"Host": "evil.example"}).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/password-dimenticata", data={"email": "lucia@example.org", "csrf_token": token},
                headers={"Host": "evil.example"})
    link = mailbox.link_in(mailbox.last_to("lucia@example.org"))
    assert link.startswith("https://partecipa.example.it/")
    assert "evil.example" not in mailbox.body(mailbox.last_to("lucia@example.org"))
