"""The languages of everything shown to people: English and Hindi, one gettext catalogue each.

The catalogues are `analytics/locale/<lang>/LC_MESSAGES/messages.po`, read with Babel and
compiled in memory at first use (no compiled `.mo` file to go stale). Their message ids are
the English text; English needs no translation. The dashboard (`dashboard.i18n`) translates
with them into the reader's language, and so do the core's outputs that people read (the
monthly report, the overdue digest), given the reader's language. `python -m
dashboard.catalogue` re-extracts the messages of both (README, "Languages and accessibility").

Shared by every layer, like `analytics.fmt`: it imports nothing of analytics.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES = {"en": "English", "hi": "हिंदी"}
"""The languages offered, each written in itself."""
DEFAULT = "en"


def po_path(lang: str) -> Path:
    """Where the catalogue of `lang` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def known(lang: str | None) -> str:
    """`lang` when it is a language offered, else English."""
    return lang if lang in LANGUAGES else DEFAULT


@cache
def translations(lang: str) -> Translations:
    """The catalogue of `lang`, compiled in memory from its `.po` file (once per process)."""
    with po_path(known(lang)).open("rb") as source:
        catalogue = read_po(source, locale=known(lang))
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(message: str, lang: str) -> str:
    """`message` in `lang` (itself when the catalogue has no translation)."""
    return translations(lang).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int, lang: str) -> str:
    """The singular or plural form of a message for `n`, in `lang`."""
    return translations(lang).ngettext(singular, plural, n)


def translator(lang: str) -> Callable[[str], str]:
    """`_` for `lang`: `_ = translator(lang)`, then `_("Summary")` (extracted as a message)."""

    def _(message: str) -> str:
        return gettext(message, lang)

    return _


def N_(message: str) -> str:
    """Marks `message` for the catalogue without translating it (for constants translated at
    display)."""
    return message
