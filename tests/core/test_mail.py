from email import message_from_bytes

from engage.core.mail import send_mail


def test_without_smtp_mail_lands_in_the_outbox_folder(app, tmp_path, caplog):
    previous = app.config["MAIL_SERVER"], app.config["MAIL_OUTBOX_DIR"]
    app.config.update(MAIL_SERVER=None, MAIL_OUTBOX_DIR=str(tmp_path))
    try:
        with app.test_request_context(), caplog.at_level("INFO"):
            send_mail("lucia@example.org", "Prova", "Ciao Lucia")
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_OUTBOX_DIR"] = previous
    saved = list(tmp_path.glob("*.eml"))
    assert len(saved) == 1
    assert message_from_bytes(saved[0].read_bytes())["To"] == "lucia@example.org"
    assert "Ciao Lucia" in caplog.text


def test_with_smtp_configured_mail_goes_to_the_server(app, mailbox):
    with app.test_request_context():
        send_mail("lucia@example.org", "Prova", "Ciao Lucia")
    assert mailbox.body(mailbox.last_to("lucia@example.org")).strip() == "Ciao Lucia"
