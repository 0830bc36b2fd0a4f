from engage import create_app
from engage.config import instance_secret_key, normalise_database_url


def test_a_secret_key_is_generated_once_and_kept(tmp_path):
    first = instance_secret_key(tmp_path)
    assert len(first) == 64
    assert instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_the_environment_configures_database_and_mail(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/engage")
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/engage"
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["MAIL_PORT"] == 587 and app.config["MAIL_USE_TLS"] is True


def test_without_configuration_the_app_uses_sqlite_in_the_instance_folder(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/engage.sqlite3")
    assert app.config["SECRET_KEY"]


def test_database_urls_are_normalised_for_psycopg():
    assert normalise_database_url("postgresql://x/y") == "postgresql+psycopg://x/y"
    assert normalise_database_url("sqlite:///a.db") == "sqlite:///a.db"
