"""Keeps the language catalogues in step with the code: `python -m dashboard.catalogue`.

It extracts every message the dashboard and the core's outputs wrap (`_("...")`,
`N_("...")`, `ngettext`) with Babel (the same as `pybabel extract -F babel.cfg -k N_
dashboard analytics`), adds the English words of
the figures registry (labels, help texts, units, the glossary, verdicts, column headings: the
registry stays their one English source), and merges the result into each language's `.po`
file: new messages are added with an empty translation, messages no longer used are dropped.
The Hindi translator then fills the empty `msgstr`s (the tests list any left empty).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from analytics.figures.registry import FIGURES, GLOSSARY, PROCESS_FIGURES
from analytics.fmt import LABELS
from analytics.i18n import DOMAIN, LANGUAGES, po_path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("dashboard", "analytics")
"""Where messages are extracted from: the dashboard, and the core's outputs read by people
(the monthly report, the digests), which translate with the same catalogues."""
KEYWORDS = {"_": None, "N_": None, "gettext": (1,), "ngettext": (1, 2)}
VERDICTS = ("no comparison", "no change", "up", "down", "better", "worse")
"""The words `analytics.figures.verdict` returns."""


def registry_messages() -> list[str]:
    """The registry's English texts a reader sees: each is a message id of the catalogue."""
    found: list[str] = []
    for entry in (*FIGURES.values(), *PROCESS_FIGURES.values()):
        found += [entry.label, entry.help, entry.unit]
    found += [*GLOSSARY, *GLOSSARY.values(), *VERDICTS, *LABELS.values()]
    try:  # the core's templates of rejected rows' reasons (analytics/log/rules.py), once there
        from analytics.log.rules import MESSAGES
    except ImportError:
        MESSAGES = {}
    found += list(MESSAGES.values())
    return list(dict.fromkeys(m for m in found if m))


def template() -> Catalog:
    """Every message of the dashboard and the core's outputs, untranslated (what a `.pot`
    file holds)."""
    catalogue = Catalog(domain=DOMAIN, project="eoffice-analytics", charset="utf-8")
    for source in SOURCES:
        for path, line, message, comments, context in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            location = (str(Path(source) / path), line)
            catalogue.add(message, locations=[location], auto_comments=comments, context=context)
    for message in registry_messages():
        catalogue.add(message, locations=[("analytics/figures.py", 0)])
    return catalogue


def update() -> dict[str, int]:
    """Merge the template into each language's catalogue; returns the empty translations
    left per language (English needs none: its message ids are the text)."""
    fresh = template()
    empty = {}
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as source:
                catalogue = read_po(source, locale=lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalogue = Catalog(locale=lang, domain=DOMAIN, project="eoffice-analytics")
        catalogue.update(fresh, no_fuzzy_matching=True, update_creation_date=False)
        catalogue.obsolete.clear()
        catalogue.fuzzy = False
        with path.open("wb") as target:
            write_po(target, catalogue, width=100, sort_output=True, include_lineno=False)

        empty[lang] = sum(1 for m in catalogue if m.id and not m.string)
    return empty


if __name__ == "__main__":
    for lang, count in update().items():
        print(f"{lang}: {count} messages without a translation")
    sys.exit(0)
