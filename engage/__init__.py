"""Engage Cremona: citizen participation for Masterplan 3C."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping | None = None) -> Flask:
    from engage.cli import register_cli
    from engage.config import load_config
    from engage.core.errors import register_error_handlers
    from engage.core.templating import register_template_helpers

    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                instance_path=str(ROOT / "instance"), instance_relative_config=True)
    load_config(app, config)
    init_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def init_extensions(app: Flask) -> None:
    from engage import models  # noqa: F401  every table known to SQLAlchemy and Alembic
    from engage.auth.session import init_login
    from engage.core.i18n import install_template_gettext, select_locale
    from engage.core.pagecache import init_page_cache
    from engage.core.security import init_security
    from engage.extensions import babel, bootstrap, csrf, db, limiter, migrate

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(ROOT / "translations"))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, include_object=include_in_migrations)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    init_page_cache(app)
    init_login(app)
    init_security(app)


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    """Leave out the full-text search objects that migrations create by hand, per dialect."""
    from engage.proposals.search import is_search_object

    return not is_search_object(name)


def register_blueprints(app: Flask) -> None:
    from engage.accountability.views import bp as accountability_bp
    from engage.api.opendata import bp as opendata_bp
    from engage.api.views import init_api
    from engage.admin.views import bp as admin_bp
    from engage.auth.views import bp as auth_bp
    from engage.comments.views import bp as comments_bp
    from engage.consultations.views import bp as consultations_bp
    from engage.core.fonts import bp as fonts_bp
    from engage.core.health import bp as health_bp
    from engage.institutions.views import bp as institutions_bp
    from engage.ledger.views import bp as ledger_bp
    from engage.masterplan.views import bp as masterplan_bp
    from engage.moderation.views import bp as moderation_bp
    from engage.notifications.views import bp as notifications_bp
    from engage.proposals.views import bp as proposals_bp
    from engage.questionnaires.views import bp as questionnaires_bp
    from engage.results.views import bp as results_bp

    for blueprint in (health_bp, masterplan_bp, auth_bp, institutions_bp, consultations_bp,
                      proposals_bp, accountability_bp, comments_bp, questionnaires_bp, moderation_bp,
                      results_bp, ledger_bp, notifications_bp, admin_bp, opendata_bp, fonts_bp):
        app.register_blueprint(blueprint)
    init_api(app)
