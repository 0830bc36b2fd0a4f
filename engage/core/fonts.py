"""Titillium Web, the typeface of Designers Italia, served by the app itself from its Python
package (fontpkg-titillium-web, SIL Open Font License): no font CDN, nothing fetched elsewhere
at run time, and no font files copied into the repository."""
from __future__ import annotations

from fontpkg_titillium_web import ROOT
from flask import Blueprint, abort, send_from_directory

FILES = ROOT / "files"
# The cuts the stylesheet uses (engage/static/engage.css, @font-face).
SERVED = frozenset({"TitilliumWeb-Regular.ttf", "TitilliumWeb-Italic.ttf", "TitilliumWeb-SemiBold.ttf",
                    "TitilliumWeb-Bold.ttf"})
A_YEAR = 365 * 24 * 3600

bp = Blueprint("fonts", __name__)


@bp.get("/fonts/<name>")
def font(name: str):
    if name not in SERVED:
        abort(404)
    return send_from_directory(FILES, name, mimetype="font/ttf", max_age=A_YEAR)
