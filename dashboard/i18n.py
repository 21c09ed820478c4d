"""The dashboard's languages: English and Hindi, from one gettext catalogue per language.

`_()` translates a message into the reader's language (the `lang` widget in the sidebar, kept
in the URL as `?lang=hi`, else the signed-in user's remembered choice, else English). The
catalogues are the core's (`analytics.i18n`: `analytics/locale/<lang>/LC_MESSAGES/messages.po`,
one per language for the dashboard, the monthly report and the digests alike).
`python -m dashboard.catalogue` re-extracts the messages (see README, "Languages and
accessibility").

Figure labels, help texts and the glossary come from the figures registry
(`analytics.figures`): its English text is the message id, translated here at display.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics.i18n import DEFAULT, LANGUAGES, N_, known, translations

__all__ = [  # `N_`, `LANGUAGES` and `DEFAULT` re-exported: the pages take them from here
    "DEFAULT",
    "LANGUAGES",
    "LANG_KEY",
    "N_",
    "_",
    "current",
    "fixed",
    "is_hindi",
    "language_switch",
    "ngettext",
    "on_switch",
    "reason_text",
    "restore",
    "using",
]

LANG_KEY = "lang"
"""The language widget's key and its query parameter (`?lang=hi`)."""
_FORCED: contextvars.ContextVar[str | None] = contextvars.ContextVar("eoffice_lang", default=None)


def current() -> str:
    """The reader's language: a forced one (`using`), else the widget's value, else `?lang=`
    in the URL, else English. Outside a Streamlit run (a download made on click, the CLI)
    English unless `using` says otherwise."""
    forced = _FORCED.get()
    if forced:
        return forced
    if get_script_run_ctx(suppress_warning=True) is None:
        return DEFAULT
    chosen = st.session_state.get(LANG_KEY) or st.query_params.get(LANG_KEY)
    return known(chosen)


@contextlib.contextmanager
def using(lang: str) -> Iterator[None]:
    """Translate into `lang` inside the block, whatever the page's language."""
    token = _FORCED.set(known(lang))
    try:
        yield
    finally:
        _FORCED.reset(token)


def fixed(fn: Callable[..., str]) -> Callable[..., str]:
    """`fn` always in the language of now (a widget's `format_func`: Streamlit may call it
    again outside the page's run, where the reader's language is not known)."""
    lang = current()

    def in_language(*args: Any) -> str:
        with using(lang):
            return fn(*args)

    return in_language


def _(message: str) -> str:
    """`message` in the reader's language (itself when the catalogue has no translation)."""
    if not message:
        return message
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for `n`, in the reader's language."""
    return translations(current()).ngettext(singular, plural, n)


def reason_text(code: str, params: dict[str, Any], messages: dict[str, str] | None = None) -> str:
    """A rejected row's reason in the reader's language: the core's English template for
    `code` (`analytics.log.rules.MESSAGES`, or `messages`) translated, then filled in with
    `params` (str.format placeholders). Its Hindi is in the catalogue once the templates are
    extracted (`python -m dashboard.catalogue` adds them when the registry lists them)."""
    if messages is None:
        from analytics.log.rules import MESSAGES as messages  # the core's one table
    return _(messages[code]).format(**params)


def is_hindi() -> bool:
    """True when the page is in Hindi."""
    return current() == "hi"


_RESTORED_KEY = "eoffice_lang_restored"
"""The e-mail whose remembered language this session has already applied."""
_CHOSEN_KEY = "eoffice_lang_chosen"
"""Set when the reader used the switch in this session (their choice then stands)."""


def on_switch() -> None:
    """Remember the signed-in user's new choice of language (the switch's on_change)."""
    from dashboard import auth

    st.session_state[_CHOSEN_KEY] = True
    user = auth.signed_in_user()
    lang = st.session_state.get(LANG_KEY)
    if user is not None and not user.is_demo and lang in LANGUAGES:
        auth.accounts().users.set_language(user.email, lang)


def restore(email: str) -> None:
    """Once a session, when `email` is first seen signed in: their remembered language,
    unless the link names one (`?lang=`) or the reader has used the switch."""
    if st.session_state.get(_RESTORED_KEY) == email:
        return
    st.session_state[_RESTORED_KEY] = email
    if st.session_state.get(_CHOSEN_KEY) or st.query_params.get(LANG_KEY):
        return
    from dashboard import auth

    remembered = auth.accounts().users.language_of(email)
    if remembered in LANGUAGES:
        st.session_state[LANG_KEY] = remembered


def language_switch() -> None:
    """English / हिंदी at the top of the sidebar on every page, kept in the URL (`?lang=hi`)
    like the filters, so a link, a reload and every page keep the language."""
    # The options are the codes themselves: a bound widget keeps its option's text in the
    # URL, and the link must read `?lang=hi`; each language's own name is its caption.
    st.sidebar.radio(
        "Language / भाषा",
        list(LANGUAGES),
        captions=list(LANGUAGES.values()),
        key=LANG_KEY,
        bind="query-params",
        horizontal=True,
        on_change=on_switch,
    )
    _page_language()


def _page_language() -> None:
    """Tell the browser the page's language (`<html lang="hi">`, WCAG 3.1.1), so a screen
    reader reads Hindi as Hindi: Streamlit's page says `en` whatever its text. A script in a
    same-origin component frame sets it on the page around it (st.html runs no script)."""
    import json

    from streamlit.components.v1 import html

    lang = current()
    with st.sidebar:
        html(
            f"<script>window.parent.document.documentElement.lang = {json.dumps(lang)};</script>",
            height=0,
            tab_index=-1,
        )
