"""Outgoing e-mail: real SMTP when configured, else a local outbox folder so the demo works offline."""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

log = logging.getLogger(__name__)


def send_template_mail(to: str, subject: str, template: str, *, locale: str, **context) -> EmailMessage:
    """Render `templates/mail/<template>.txt` in the recipient's language and send it."""
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", **context)
        subject_text = str(subject)
    return send_mail(to, subject_text, body)


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="engage-cremona")
    message.set_content(body)

    if config.get("MAIL_SERVER"):
        _send_smtp(message, config)
    else:
        path = _write_outbox(message, Path(config["MAIL_OUTBOX_DIR"]))
        log.info("No MAIL_SERVER configured: mail to %s saved in %s\n%s", to, path, body)
    return message


def _send_smtp(message: EmailMessage, config) -> None:
    host, port, timeout = config["MAIL_SERVER"], int(config["MAIL_PORT"]), config["MAIL_TIMEOUT"]
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def _write_outbox(message: EmailMessage, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(message))
    return path
