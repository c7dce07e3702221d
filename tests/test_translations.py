"""Every interface string has a Vietnamese translation (Vietnamese is the default)."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None,
            "lazy_gettext": None}
METHOD_MAP = [("tracker/**.py", "python"), ("templates/**.html", "jinja2"),
              ("templates/**.txt", "jinja2")]


def source_msgids() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHOD_MAP, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_msgid_is_translated_to_vietnamese():
    with open(ROOT / "tracker/translations/vi/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id
                  for m in catalog if m.id and all(m.string if isinstance(m.string, tuple)
                                                   else [m.string]) and not m.fuzzy}
    ids = source_msgids()
    assert len(ids) > 50  # the extraction really ran over the templates and code
    missing = sorted(ids - translated)
    assert missing == [], f"untranslated (run pybabel extract/update): {missing}"


def test_make_test_compiles_the_catalog_first():
    """`make test` in a fresh clone needs no separate translations step: it compiles the
    catalog (the .mo files are not in git) before running the suite."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = dict(re.findall(r"^([\w.$()/-]+):([^\n=]*)$", makefile, re.M))
    needed, todo = set(), ["test"]
    while todo:
        target = todo.pop()
        if target not in needed:
            needed.add(target)
            todo.extend(name for name in targets.get(target, "").replace("|", " ").split())
    assert "translations" in needed
    assert re.search(r"^translations:.*\n\t\$\(BIN\)/pybabel compile -d tracker/translations$",
                     makefile, re.M)
    assert "*.mo" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
