"""Hindi and English (issue 18): the catalogues hold every message the dashboard shows, no UI
text escapes `_()`, every page in Hindi has no English left beyond names and an allow-list,
the language travels across pages and is restored at sign-in, and Hindi dates are right.

Expected words come from the catalogues and from hand-worked dates, never from what a page
printed. Pages run in Streamlit's AppTest on a copy of the sample store (tests/dashboard).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from analytics import fmt
from analytics import i18n as core_i18n
from analytics.access.accounts import Accounts
from analytics.figures.monthly import REMARKS
from analytics.log.hierarchy import LevelTable
from analytics.outputs import digest
from analytics.store.store import open_store
from analytics.store.uploads import DESCRIPTIONS, STATUSES
from dashboard import catalogue, i18n, ui_text
from tests.conftest import level_history
from tests.dashboard.conftest import APP, NODAL, SAMPLE, SSO, TIMEOUT, signed_in_as

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{\w*\}")


def _po(lang: str):
    with core_i18n.po_path(lang).open("rb") as source:
        return read_po(source, locale=lang)


# -- (a) the catalogues and the wrapping ------------------------------------------------------


def test_every_message_is_in_both_catalogues_and_translated_into_hindi():
    """Each message the code wraps (the dashboard's, and the monthly report's and digests'
    in analytics/) or the registry gives is in en and hi; the Hindi is not empty and keeps
    the message's placeholders. Fails when a new `_()` string was not
    extracted (`python -m dashboard.catalogue`) or not translated."""
    fresh = catalogue.template()
    english, hindi = _po("en"), _po("hi")
    assert len(fresh) > 500  # every page's text, not a handful
    ids = {m.id for m in fresh}
    # the core's outputs' words too: the monthly report's commentary, headings and statuses,
    # the digest's, the upload outcomes'
    subject = "Overdue files: {n} in your scope, {escalated} escalated ({day})"
    plural = ("with {who} for {n} working day", "with {who} for {n} working days")
    core = [*REMARKS.values(), *DESCRIPTIONS.values(), *STATUSES.values(), digest.CHOOSE,
            "Summary", "Page {n} of {total}", subject, plural]  # fmt: skip
    assert [m for m in core if m not in ids] == []
    missing_en = [m.id for m in fresh if m.id and english.get(m.id) is None]
    missing_hi = [m.id for m in fresh if m.id and hindi.get(m.id) is None]
    assert not missing_en, missing_en
    assert not missing_hi, missing_hi
    empty, changed = [], []
    for message in fresh:
        if not message.id:
            continue
        found = hindi.get(message.id)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        if not all(strings):
            empty.append(message.id)
        for text in strings:
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(ids[0])):
                changed.append((message.id, text))
    assert not empty, empty
    assert not changed, changed


def test_no_ui_text_is_left_unwrapped():
    """No Streamlit element or widget in dashboard/ is given a bare English literal (see
    dashboard/ui_text.py for what is scanned and why)."""
    assert ui_text.scan(ROOT / "dashboard") == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('st.caption("Pending files")', ['"Pending files"']),
        ('st.sidebar.selectbox("State", opts, help=f"As of {t}")', ['"State"', 'f"As of {t}"']),
        ('st.tabs(["Routes", _("Rework")])', ['"Routes"']),
        ('st.Page("pages/a.py", title="Overview")', ['"Overview"']),
        ('st.caption(_("Pending files"))', []),
        ('st.page_link("pages/upload.py", label=_("Go"))', []),
        ('st.markdown(f"{x} · {y}")', []),
        ('box.metric(label, "12,34,567")', []),
    ],
)
def test_the_scan_finds_bare_literals_and_only_those(source: str, found: list[str]):
    """The scan behind the test above, on hand-made lines (so that test can fail)."""
    assert [text for _line, text in ui_text.unwrapped(source)] == found


# -- (b) every page in Hindi -----------------------------------------------------------------

PAGES = [
    "overview",
    "states",
    "officers",
    "hierarchy",
    "flow",
    "pendency",
    "process",
    "overdue",
    "journey",
    "alert_settings",
    "upload",
    "admin",
]
ALLOWED = {
    # symbols, acronyms and format names, written so in Hindi official text too
    "T",
    "CSMOP",
    "DARPG",
    "IST",
    "CSV",
    "XLSX",
    "xlsx",
    "xls",
    "Excel",
    "XES",
    "IEEE",
    "PDF",
    "YAML",
    "SSO",
    "A4",
    # the log's own event codes and column names, quoted as they appear in an extract
    "created",
    "moved",
    "closed",
    "received_at",
    "designation",
    "level",
    "level_name",
    "state",
    # the language switch names each language in itself; its options are the codes
    "Language",
    "English",
    "en",
    "hi",
    # roles as the access rules name them (docs/access.md), shown in "Signed in as"
    "admin",
    "nodal_officer",
    "national_viewer",
    "viewer",
}
"""English a Hindi page may keep, besides data: see README, "Languages and accessibility"."""
WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
EMAIL = re.compile(r"\S+@\S+")


def _data_words() -> set[str]:
    """Every word of the names the data brings (states, departments, designations, officers'
    IDs, file numbers, subjects) and of the level table's names: shown as they are."""
    sample = pd.read_csv(SAMPLE, dtype=str).fillna("")
    text = " ".join(" ".join(sample[c].unique()) for c in sample.columns if c != "timestamp")
    levels = LevelTable.default().to_frame()
    text += " " + " ".join(levels["designation"]) + " " + " ".join(levels["level_name"].dropna())
    return set(WORD.findall(text)) | {"P"}  # P-XXXXXXXXXX: a pseudonym


def _texts(at: AppTest) -> list[str]:
    """Every text the page shows a reader: titles, headings, captions, Markdown, notes,
    metric cards, widget labels, options, help and placeholders, tab and expander labels,
    table headings (not table cells: data)."""
    found: list[str] = []

    def walk(node) -> None:
        for attr in ("label", "help", "placeholder"):
            value = getattr(node, attr, None)
            if isinstance(value, str):
                found.append(value)
        if node.type in {
            "title",
            "header",
            "subheader",
            "caption",
            "markdown",
            "alert",
            "text",
            "toast",
        } or type(node).__name__ in {"Title", "Header", "Subheader", "Caption", "Markdown"}:
            value = getattr(node, "value", None)
            if isinstance(value, str):
                found.append(value)
        if type(node).__name__ == "Metric":
            found.extend([node.label, str(node.value)])
        options = getattr(getattr(node, "proto", None), "options", None)
        if options is not None and node.type in {"selectbox", "multiselect", "radio"}:
            found.extend(o if isinstance(o, str) else getattr(o, "label", "") for o in options)
        if type(node).__name__ == "Dataframe":
            found.extend(str(c) for c in node.value.columns)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def _english(texts: list[str], data: set[str]) -> list[str]:
    """Words in Latin letters that are neither data nor allowed, with their text."""
    left = []
    for text in texts:
        plain = EMAIL.sub(" ", text.replace("\\", ""))
        words = [w for w in WORD.findall(plain) if w not in data and w not in ALLOWED]
        if words:
            left.append(f"{words} in {text[:120]!r}")
    return left


@pytest.fixture(scope="module")
def data_words() -> set[str]:
    return _data_words()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_hindi_leaves_no_english(
    app: AppTest, store_url: str, data_words: set[str], page: str
):
    signed_in_as(app, store_url, "admin@gov.in", "admin", see_names=True)
    app.query_params["lang"] = "hi"
    if page == "journey":
        app.query_params["file"] = "MN-FIN-000010"
    at = app.run().run()  # (AppTest settles a URL-bound widget on its second run)
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]

    assert i18n.LANGUAGES["hi"] in at.sidebar.radio(key="lang").proto.captions
    assert at.sidebar.radio(key="lang").value == "hi"
    texts = _texts(at)
    assert len(texts) > 10, texts
    left = _english(texts, data_words)
    assert not left, "\n".join(left)


HINDI_MONTHS_BY_HAND = ("जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त",
                        "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर")  # fmt: skip


def test_the_administration_tables_read_in_hindi(app: AppTest, store_url: str):
    """The admin's tables' cells in Hindi too: a grant of every state, the audit log's
    instants (Hindi month, IST), and how each level-table version was made; and a nodal
    officer's own proposal's status on Upload."""
    signed_in_as(app, store_url, "admin@gov.in", "admin", see_names=True)
    with open_store(store_url) as store:
        Accounts(store).users.add(
            NODAL, "nodal_officer", state="Manipur", department="Finance", by="tests"
        )
        first = level_history(store, "admin@gov.in", NODAL)
    app.query_params["lang"] = "hi"
    at = app.run().run()
    at.switch_page("pages/admin.py").run()
    assert not at.exception, [e.message for e in at.exception]
    tables = {tuple(d.value.columns): d.value for d in at.dataframe}
    users = next(t for c, t in tables.items() if "अनुमतियाँ" in c).set_index("ई-मेल")
    assert users.loc["admin@gov.in", "अनुमतियाँ"] == "admin: हर राज्य"
    assert users.loc[NODAL, "अनुमतियाँ"] == "nodal_officer: Manipur / Finance"
    assert users.loc[NODAL, "अंतिम साइन-इन"] == "–"  # never signed in (the en dash of a blank)
    assert users.loc[NODAL, "प्रदर्शित नाम"] == ""
    with open_store(store_url) as store:
        last = Accounts(store).users.table().set_index("email").loc["admin@gov.in"]
    when = last["last_sign_in_at"].tz_convert("Asia/Kolkata")
    hand = f"{when.day:02d}-{HINDI_MONTHS_BY_HAND[when.month - 1]}-{when.year} {when:%H:%M} IST"
    assert users.loc["admin@gov.in", "अंतिम साइन-इन"] == hand
    history = next(t for c, t in tables.items() if "संस्करण" in c)
    kinds = dict(zip(history["संस्करण"], history["कैसे बना"], strict=True))
    assert kinds == {1: "आयातित", 2: "स्वीकृत प्रस्ताव"}
    audit = next(t for c, t in tables.items() if "लक्ष्य" in c)
    with open_store(store_url) as store:
        newest = Accounts(store).audit.read(limit=1)["at"].iloc[0]  # IST
    when = newest.tz_convert("Asia/Kolkata")
    hand = f"{when.day:02d}-{HINDI_MONTHS_BY_HAND[when.month - 1]}-{when.year} {when:%H:%M:%S}"
    assert audit["कब"].iloc[0] == hand
    said = list(zip(audit["लक्ष्य"], audit["कार्रवाई"], audit["परिणाम"], strict=True))
    assert (f"levels proposal {first + 1}", "स्तर तालिका", "प्रस्तावित") in said
    assert ("admin@gov.in", "साइन-इन", "सफल") in said
    assert ("admin@gov.in", "जोड़े गए उपयोगकर्ता", "सफल") in said

    nodal = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    nodal.user = {"is_logged_in": True, "email": NODAL, "name": "nodal", "email_verified": True}
    nodal.secrets["auth"] = SSO
    nodal.query_params["lang"] = "hi"
    nodal = nodal.run().run()
    nodal.switch_page("pages/upload.py").run()
    assert not nodal.exception, [e.message for e in nodal.exception]
    mine = next(d.value for d in nodal.dataframe if "प्रस्ताव" in d.value.columns)
    assert sorted(mine["स्थिति"]) == ["प्रतीक्षारत", "स्वीकृत"]


# -- (c) the language travels ----------------------------------------------------------------


def _switch(at: AppTest, lang: str) -> AppTest:
    """Click a language in the sidebar, as the browser sends it: the switch's new value and
    the URL the page then has (AppTest does not rewrite the URL of a URL-bound widget itself;
    the real browser does, tests/e2e/test_languages.py)."""
    if lang == i18n.DEFAULT:
        at.query_params.pop(i18n.LANG_KEY, None)
    else:
        at.query_params[i18n.LANG_KEY] = lang
    return at.sidebar.radio(key=i18n.LANG_KEY).set_value(lang).run()


def test_the_link_and_the_switch_keep_the_language_across_pages(app: AppTest):
    app.query_params["lang"] = "hi"
    at = app.run().run()  # (AppTest settles a URL-bound widget on its second run)
    assert at.title[0].value == "अवलोकन"
    for page, title in [("states", "राज्यों की तुलना"), ("pendency", "लंबितता")]:
        at.switch_page(f"pages/{page}.py").run()
        assert at.title[0].value == title
        assert at.query_params["lang"] == "hi"
    _switch(at, "en")  # (English kept across pages: the browser test, which sees the URL)
    assert at.title[0].value == "Pendency"
    _switch(at, "hi")
    assert at.title[0].value == "लंबितता"
    at.switch_page("pages/hierarchy.py").run()

    assert at.title[0].value == "पदानुक्रम में निपटान समय"
    assert at.query_params["lang"] == "hi"


def test_the_signed_in_users_choice_is_remembered_and_restored_at_sign_in(
    app: AppTest, store_url: str
):
    signed_in_as(app, store_url, NODAL, "nodal_officer", "Manipur", department="Finance")
    at = app.run()
    assert at.title[0].value == "Overview"  # never chose: English
    _switch(at, "hi")
    assert at.title[0].value == "अवलोकन"
    with open_store(store_url) as store:
        assert Accounts(store).users.language_of(NODAL) == "hi"

    # A new session (another day, another browser) with no ?lang: Hindi again.
    again = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    again.user = at.user
    again.secrets["auth"] = at.secrets["auth"]
    again.run()
    assert again.title[0].value == "अवलोकन"
    # ... unless the link names a language: the link wins, the remembered choice stays.
    linked = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    linked.user = at.user
    linked.secrets["auth"] = at.secrets["auth"]
    linked.query_params["lang"] = "en"
    linked.run()
    assert linked.title[0].value == "Overview"
    with open_store(store_url) as store:
        assert Accounts(store).users.language_of(NODAL) == "hi"


# -- (d) Hindi dates, worked by hand ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "english", "hindi"),
    [
        (date(2024, 3, 5), "05-Mar-2024", "05-मार्च-2024"),
        (date(2024, 2, 29), "29-Feb-2024", "29-फ़रवरी-2024"),
        (date(2025, 9, 1), "01-Sep-2025", "01-सितंबर-2025"),
        # 20:00 UTC on 31 Dec is 01:30 IST on 1 Jan: the IST date, not the UTC one
        (pd.Timestamp("2024-12-31 20:00", tz="UTC"), "01-Jan-2025", "01-जनवरी-2025"),
    ],
)
def test_a_date_reads_with_hindi_month_names(value, english: str, hindi: str):
    assert fmt.day(value) == english
    assert fmt.day(value, "hi") == hindi


def test_an_instant_reads_in_ist_in_hindi():
    # 08:37 UTC + 5:30 = 14:07 IST; 18:45 UTC on 30 Jun = 00:15 IST on 1 Jul
    assert fmt.moment(pd.Timestamp("2024-03-05 08:37", tz="UTC"), "hi") == "05-मार्च-2024 14:07 IST"
    assert fmt.moment(pd.Timestamp("2024-06-30 18:45", tz="UTC"), "hi") == "01-जुलाई-2024 00:15 IST"


def test_durations_and_numbers_in_hindi_keep_indian_grouping():
    assert fmt.indian(1234567) == "12,34,567"  # the same digits and grouping in both
    assert fmt.days(1, lang="hi") == "1.0 दिन"  # no singular/plural in the unit
    assert fmt.days(2.5, unit="working days", lang="hi") == "2.5 कार्य दिवस"
    assert fmt.age(358, lang="hi") == "358 दिन"
    assert fmt.age(0.01, "working days", "hi") == "0.1 कार्य दिवस से कम"
    assert fmt.level(None, {}, "hi") == "स्तर अनिर्धारित"
    assert fmt.level(3, {}, "hi") == "3 · स्तर 3"
    assert fmt.level(3, {3: "Under Secretary"}, "hi") == "3 · Under Secretary"  # a name


def test_a_rejected_rows_reason_is_translated_from_its_template_and_filled_in():
    """`reason_text` as the Upload page will use it with the core's `MESSAGES` (here a
    hand-made table whose template the catalogue holds)."""
    messages = {"too_many": "{count} files match (first 50 shown)."}
    with i18n.using("hi"):
        assert (
            i18n.reason_text("too_many", {"count": "1,234"}, messages)
            == "1,234 फ़ाइलें मेल खाती हैं (पहली 50 दिखाई गई हैं)।"
        )
    assert i18n.reason_text("too_many", {"count": 7}, messages) == (
        "7 files match (first 50 shown)."
    )
