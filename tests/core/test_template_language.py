"""Templates speak the visitor's language, and a mail or report forced into another language
in the middle of a request neither takes the page's language nor leaves its own behind."""
from __future__ import annotations

from flask_babel import force_locale


def test_a_forced_language_applies_inside_and_the_page_language_comes_back_after(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        said = app.jinja_env.from_string("{{ _('Reply') }} · {{ ngettext('%(num)s support', '%(num)s supports', 1) }}")
        assert said.render() == "Reply · 1 support"
        with force_locale("it"):  # as a notification mail to an Italian reader is made
            assert said.render() == "Rispondi · 1 sostegno"
        assert said.render() == "Reply · 1 support"

