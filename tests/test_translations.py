"""Every user-visible string is in both catalogs, translated, and compiled."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "lazy_ngettext": (1, 2)}
METHODS = [("engage/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]


def messages_in_the_code() -> set[str]:
    """Like `pybabel extract`, which skips folders starting with "_" or "." (so none of ours may)."""
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, options_map={"templates/**": {"trimmed": "true"}}, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_no_template_folder_is_hidden_from_extraction():
    hidden = [p for p in (ROOT / "templates").rglob("*") if p.is_dir() and p.name.startswith(("_", "."))]
    assert not hidden, f"pybabel skips these folders, so their strings would never be translated: {hidden}"


def pair(value):
    """A plural entry's id and strings are (singular, plural) pairs: tuples from a .po, lists from a .mo."""
    return tuple(value) if isinstance(value, list | tuple) else value


def translated(message) -> bool:
    """Every form filled in (a plural has one per plural form), and not fuzzy."""
    strings = message.string if isinstance(message.string, list | tuple) else (message.string,)
    return all(strings) and not message.fuzzy


@pytest.fixture(scope="module")
def code_messages():
    messages = messages_in_the_code()
    assert len(messages) > 200
    return messages


@pytest.mark.parametrize("lang", ["it", "en"])
def test_catalog_translates_every_string_in_the_code(lang, code_messages):
    with open(ROOT / f"translations/{lang}/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = sorted(m for m in code_messages if m not in catalog or not translated(catalog[m]))
    assert not missing, f"untranslated in {lang} (run pybabel extract/update, then translate): {missing[:10]}"


@pytest.mark.parametrize("lang", ["it", "en"])
def test_compiled_catalog_matches_its_source(lang):
    base = ROOT / f"translations/{lang}/LC_MESSAGES/messages"
    with open(f"{base}.po", "rb") as po, open(f"{base}.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    expected = {pair(m.id): pair(m.string) for m in source if m.id and translated(m)}
    # An untranslated plural is compiled with its msgid as the text: the test above reports it.
    untranslated = {pair(m.id) for m in source if m.id and m.pluralizable and not translated(m)}
    actual = {pair(m.id): pair(m.string) for m in compiled if m.id and pair(m.id) not in untranslated}
    assert actual == expected, "run `pybabel compile -d translations`"
