"""What leaves the app, and what data may do on screen (AppTest).

- The File journey of every kind of file: pending, parked, closed (the sample), reopened,
  without `created` and with a broken chain (a crafted log loaded beside the sample).
- Values from data and from the URL are shown as text on every page: Markdown, HTML, LaTeX,
  directives and bidi controls in file numbers, subjects, holders, designations, states and
  departments never render (the element's body holds the escaped text) and reach no chart
  label as HTML.
- An unexpected error shows a short message, never a traceback or a server path.
- A reader without the names permission sees pseudonyms in an upload's rejected rows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.figures.metrics import Analysis, analyse
from analytics.log.reading import read_logs
from analytics.store.store import open_store
from dashboard import format as fmt
from tests.conftest import HEADER, csv_text, ev
from tests.dashboard.conftest import APP, SAMPLE, TIMEOUT, frames, metrics, run_page, signed_in_as

EVIL_LINK = "[Sign in again](http://127.0.0.1:9/phish)"
EVIL_IMAGE = "![](http://127.0.0.1:9/x.png)"
EVIL = {
    "file_number": f"EVIL-1 {EVIL_IMAGE} **bold** $x^2$ :red[red] \u202eesrever",
    "subject": f"Subject {EVIL_LINK} *it* :material/warning: `code` <b>html</b>",
    "holder": "**Holder** [x](http://127.0.0.1:9/h)",
    "designation": '<a href="http://127.0.0.1:9/d">Director</a>',
    "state": "Evil **State** :blue[x] \u202e",
    "department": "<i>Dept</i> $y$ [d](http://127.0.0.1:9/)",
}
"""Hostile text in every field that reaches the screen."""
FRAGMENTS = ["![](", "](http", "**bold**", "$x^2$", ":red[", "**Holder**", "**State**", ":blue["]
FRAGMENTS += ["<a href", "<i>", "<b>", "$y$", ":material/warning:", "`code`", "**Your session"]
"""Pieces of the hostile text that would render if left as written (escaped, they cannot
appear: `fmt.plain` puts a backslash before each mark)."""
HEADER_X = (*HEADER, "file_number", "subject")
CRAFTED = [
    # reopened: closed, then reopened and moved on (pending again at T)
    ev("created", "", "ra", "", "Assistant", "2024-05-01 10:00", file_id="RE-1"),
    ev("moved", "ra", "rb", "Assistant", "Section Officer", "2024-05-02 10:00", file_id="RE-1"),
    ev("closed", "rb", "", "Section Officer", "", "2024-05-03 10:00", file_id="RE-1"),
    ev("reopened", "", "rb", "", "Section Officer", "2024-05-06 10:00", file_id="RE-1"),
    ev("moved", "rb", "rc", "Section Officer", "Director", "2024-05-07 10:00", file_id="RE-1"),
    # no created: the extract begins mid-life
    ev("moved", "na", "nb", "Assistant", "Section Officer", "2024-05-02 10:00", file_id="NC-1"),
    ev("moved", "nb", "nc", "Section Officer", "Director", "2024-05-04 10:00", file_id="NC-1"),
    # broken chain: the second movement is sent by someone who does not hold the file
    ev("created", "", "ba", "", "Assistant", "2024-05-01 10:00", file_id="BR-1"),
    ev("moved", "bx", "bb", "Assistant", "Section Officer", "2024-05-02 10:00", file_id="BR-1"),
    # hostile text everywhere, in a state and department of its own
    ev(
        "created",
        "",
        EVIL["holder"],
        "",
        EVIL["designation"],
        "2024-05-01 10:00",
        file_id="EVIL-1",
        file_number=EVIL["file_number"],
        subject=EVIL["subject"],
        state=EVIL["state"],
        department=EVIL["department"],
    ),
]
KINDS = {
    "pending": None,
    "parked": None,
    "closed": None,
    "reopened": "RE-1",
    "no created": "NC-1",
    "broken chain": "BR-1",
}


@pytest.fixture
def crafted(store_url: str, tmp_path: Path) -> Analysis:
    """The sample plus the crafted log in this test's store; returns the independent analysis."""
    path = tmp_path / "crafted.csv"
    path.write_text(csv_text(CRAFTED, header=HEADER_X), encoding="utf-8")
    with open_store(store_url) as store:
        assert store.uploads.ingest([path], by="tests").status == "stored"
    return analyse(read_logs([SAMPLE, path]).events)


def _file_of(analysis: Analysis, kind: str) -> pd.Series:
    facts = analysis.facts
    if KINDS[kind] is None:
        return facts[facts["status"].eq(kind)].iloc[0]
    return facts[facts["file_id"].eq(KINDS[kind])].iloc[0]


def _texts(at: AppTest) -> list[str]:
    """The body of every element Streamlit renders as Markdown (and of metric cards)."""
    bodies: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader"):
        bodies += [e.value for e in getattr(at, kind)]
    for kind in ("warning", "error", "info", "success"):
        bodies += [e.value for e in getattr(at, kind)]
    for m in at.metric:
        bodies += [m.label, m.value]
    return bodies


def _plotly_specs(at: AppTest) -> list[str]:
    return [e.proto.spec for e in at.get("plotly_chart")]


def _assert_inert(at: AppTest, values: list[str]) -> None:
    """No rendered body holds a hostile value as written (only `fmt.plain` of it), no bidi
    control reaches the screen, and no chart text carries an HTML tag from data."""
    bodies = _texts(at)
    for body in bodies:
        assert not fmt.BIDI_CONTROLS.search(body), body
        for value in values:
            assert value not in body, (value, body)
        live = re.sub(r"\\[!-/:-@\[-`{-~]", "", body)  # what is left once escaped marks go
        for fragment in FRAGMENTS:
            assert fragment not in live, (fragment, body)
    for spec in _plotly_specs(at):
        text = json.dumps(json.loads(spec))
        assert not re.search(r"<(a|b|i)[ >]", text), text[:500]
        assert "\u202e" not in text
        assert "\\u202e" not in text
    for frame in frames(at):
        for col in frame.columns:
            cells = frame[col].dropna().astype(str)
            assert not cells.str.contains(fmt.BIDI_CONTROLS).any(), col


@pytest.mark.parametrize("kind", list(KINDS))
def test_file_journey_of_every_kind_of_file(app: AppTest, crafted: Analysis, kind: str):
    fact = _file_of(crafted, kind)
    app.query_params["file"] = fact["file_id"]
    at = run_page(app, "journey")
    assert not at.error, [e.value for e in at.error]
    stints = crafted.stints[crafted.stints["file_key"].eq(fact["file_key"])].sort_values("seq")
    journey = frames(at)[0]
    assert journey["Holder"].tolist() == stints["holder"].tolist()
    want_ended = ["Still with holder" if pd.isna(a) else a for a in stints["end_action"]]
    shown = journey["Ended by"].tolist()
    assert len(shown) == len(want_ended)
    # an open stint (pending file) reads "Still with holder"; the others name their end
    assert (shown[-1] == "Still with holder") == (fact["status"] == "pending")
    assert metrics(at)["Status at T"] == str(fact["status"]).capitalize()
    assert metrics(at)["Movements"] == fmt.indian(fact["movements"])
    if kind == "broken chain":
        assert journey["Chain broken"].tolist() == ["Yes" if b else "" for b in stints["broken"]]
        assert "Yes" in journey["Chain broken"].tolist()
    if kind == "no created":
        assert metrics(at)["Created"] == fmt.DASH
    if kind == "reopened":
        assert "Closed" in shown
        assert shown[-1] == "Still with holder"


def test_journey_shows_hostile_data_as_text(app: AppTest, crafted: Analysis):
    app.query_params["file"] = "EVIL-1"
    at = run_page(app, "journey")
    assert not at.error
    _assert_inert(at, list(EVIL.values()))
    bodies = _texts(at)
    assert any(fmt.plain(EVIL["file_number"]) in b for b in bodies)
    assert any(fmt.plain(EVIL["subject"]) in b for b in bodies)
    card = next(m for m in at.metric if m.label.startswith("With"))
    assert card.value == fmt.plain(EVIL["holder"])
    assert fmt.plain(EVIL["designation"]) in card.label
    timeline = json.loads(_plotly_specs(at)[0])
    labels = timeline["data"][0]["y"]
    assert labels == [fmt.label(f"{EVIL['holder']} · {EVIL['designation']}")]
    assert "&lt;a href=" in labels[0]


def test_phishing_text_in_the_url_is_shown_as_text(app: AppTest, store_url: str):
    phish = f"**Your session has expired.** {EVIL_LINK}"
    app.query_params["file"] = phish
    at = run_page(app, "journey")
    warning = next(w.value for w in at.warning if "No file in your scope" in w.value)
    assert fmt.plain(phish) in warning
    _assert_inert(at, [phish, EVIL_LINK])


@pytest.mark.parametrize(
    "page",
    ["overview", "states", "officers", "hierarchy", "flow", "pendency", "journey", "upload"],
)
def test_every_page_shows_hostile_state_and_department_as_text(
    app: AppTest, crafted: Analysis, page: str
):
    app.query_params["state"] = EVIL["state"]
    app.query_params["department"] = EVIL["department"]
    app.query_params["file"] = "EVIL-1"
    at = run_page(app, page)
    assert not at.error, [e.value for e in at.error]
    _assert_inert(at, list(EVIL.values()))
    if page == "overview":  # the selection heading names the state (the URL's filter)
        assert any(fmt.plain(EVIL["state"]) in s.value for s in at.header)


def test_chart_labels_from_data_are_html_escaped():
    from dashboard import charts

    evil = EVIL["designation"]
    level = pd.DataFrame(
        {
            "level_label": [f"3 · {evil}"],
            "median_days": [1.0],
            "p90_days": [2.0],
            "q1_days": [0.5],
            "q3_days": [1.5],
            "p10_days": [0.1],
            "mean_days": [1.1],
            "median_waiting_days": [0.2],
            "median_processing_days": [0.8],
        }
    )
    flow = pd.DataFrame(
        {
            "from_label": [f"1 · {evil}"],
            "to_label": [f"2 · {EVIL['department']}"],
            "from_level": [1],
            "to_level": [2],
            "movements": [3],
            "median_days": [1.5],
        }
    )
    buckets = {f"age_{i}": f"bucket {i}" for i in range(5)}
    figures = [
        charts.ranked_bars(
            pd.DataFrame({"state": [f"<i>S</i>{evil}"], "v": [1.0], "rank": [1]}), "v", "V", ["1"]
        ),
        charts.turnaround_by_level(level, "days"),
        charts.level_distribution(level, "days"),
        charts.waiting_processing(level, "days"),
        charts.flow_sankey(flow),
        charts.flow_matrix(flow, "movements", "M", "Blues"),
        charts.pendency_buckets(
            pd.DataFrame({"label": [evil], **{b: [1] for b in buckets}}), "Level", buckets
        ),
        charts.journey_timeline(
            pd.DataFrame(
                {
                    "label": [f"{EVIL['holder']} · {evil}"],
                    "start": pd.to_datetime(["2024-05-01 10:00"]).tz_localize("Asia/Kolkata"),
                    "finish": pd.to_datetime(["2024-05-02 10:00"]).tz_localize("Asia/Kolkata"),
                    "held": ["1.00 day"],
                    "when": ["…"],
                    "colour_key": ["ended"],
                }
            )
        ),
    ]
    for fig in figures:
        text = json.dumps(json.loads(fig.to_json()), ensure_ascii=False)  # "<", not \u003c
        assert not re.search(r"<(a|b|i)[ >]", text), text[:400]
        assert "&lt;a href=" in text or "&lt;i&gt;" in text
        assert "\u202e" not in text
        assert "\\u202e" not in text


def test_an_unexpected_error_shows_a_short_message_and_no_traceback(tmp_path, monkeypatch):
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a SQLite database, so every read of it fails" * 100)
    monkeypatch.setenv("EOFFICE_DB_URL", f"sqlite:///{broken}")
    monkeypatch.setenv("EOFFICE_DEMO", "1")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.error) == 1
    message = at.error[0].value
    assert message.startswith("Something went wrong while showing this page")
    assert re.search(r"reference [0-9a-f]{8}", message)
    for leak in ("Traceback", 'File "', str(tmp_path), "sqlite", "DatabaseError", ".py"):
        assert leak not in message


def test_rejected_rows_of_an_upload_show_pseudonyms_without_the_names_permission(
    app: AppTest, store_url: str
):
    header = tuple(h for h in HEADER if h not in ("state", "department"))
    real = ["Ravi Kumar Singh", "Sunita Devi", "Thoiba Meitei"]
    text = csv_text(
        [
            ev("created", "", real[0], "", "Assistant", "2024-03-01 10:00", file_id="RJ-1"),
            ev("moved", real[0], real[1], "Assistant", "Director", "32/13/2024", file_id="RJ-1"),
            ev("moved", real[1], real[2], "Director", "Secretary", "", file_id="RJ-1"),
        ],
        header=header,
    ).encode()
    with open_store(store_url) as store:
        outcome = store.uploads.ingest([("names.csv", text)], state="Manipur", department="Finance")
        assert outcome.status == "stored"
        assert len(store.uploads.rejected_rows(outcome.upload_id)) == 2
    at = signed_in_as(app, store_url, "secy@manipur.gov.in", "viewer", "Manipur")
    at = run_page(at, "upload")
    assert not at.error, [e.value for e in at.error]
    shown = frames(at)[-1]
    assert shown["Line"].tolist() == [3, 4]
    everything = " ".join(str(v) for f in frames(at) for v in f.to_numpy().ravel())
    for name in real:
        assert name not in everything
    # (what the download holds, cells included, is checked in the browser: tests/e2e)


def test_the_account_box_shows_a_hostile_name_as_text(app: AppTest, store_url: str):
    name = f"**Boss** {EVIL_LINK} {EVIL_IMAGE} :red[x] \u202eesrever"
    at = signed_in_as(app, store_url, "boss@manipur.gov.in", "viewer", "Manipur", name=name)
    at = run_page(at, "overview")
    boxes = [t.value for t in at.sidebar.text if t.value.startswith("Signed in as")]
    # st.text renders no Markdown: the name is there as written, less the bidi override.
    assert boxes == [f"Signed in as {fmt.shown(name)} (boss@manipur.gov.in) · viewer"]
    assert "\u202e" not in boxes[0]
    _assert_inert(at, [name, EVIL_LINK, EVIL_IMAGE])
