"""The Overdue and Alert settings pages (issue 15, part 4), on the hand-worked alert log.

Figures from tests/alerts/log.py (Manipur's holidays through EOFFICE_HOLIDAYS): a viewer of
Manipur / Finance sees F4 (Section Officer, 8.0), F1 (Under Secretary, 19.0, escalated to
mn.fin.ds2) and F2 (Deputy Secretary, 7 23/24), never F6 (Health) nor A1 (Assam).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics.access.accounts import Accounts
from analytics.access.alerts import AlertBook
from analytics.store.store import open_store
from dashboard import format as fmt
from tests.alerts.log import HOLIDAYS_CSV, ROWS, RULES
from tests.conftest import csv_text, pseudonym
from tests.dashboard.conftest import APP, TIMEOUT, frames, metrics, run_page, signed_in_as

FINANCE = "head.fin@manipur.gov.in"


@pytest.fixture
def alert_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[AppTest, str]:
    url = f"sqlite:///{tmp_path / 'alerts.sqlite'}"
    with open_store(url) as store:
        assert store.uploads.ingest([("alerts.csv", csv_text(ROWS).encode())]).status == "stored"
    holidays = tmp_path / "holidays.csv"
    holidays.write_text(HOLIDAYS_CSV, encoding="utf-8")
    monkeypatch.setenv("EOFFICE_DB_URL", url)
    monkeypatch.setenv("EOFFICE_HOLIDAYS", str(holidays))
    monkeypatch.delenv("EOFFICE_DEMO", raising=False)
    return AppTest.from_file(str(APP), default_timeout=TIMEOUT), url


def _finance(alert_app, see_names: bool = True) -> AppTest:
    at, url = alert_app
    return signed_in_as(
        at, url, FINANCE, "viewer", "Manipur", department="Finance", see_names=see_names
    )


def test_overdue_page_in_scope_with_hand_worked_figures(alert_app):
    at = run_page(_finance(alert_app), "overdue")
    cards = metrics(at)
    assert cards["Overdue"] == "3"
    assert cards["Escalated"] == "1"
    assert cards["Holders with overdue files"] == "3"
    holders, files = frames(at)
    assert files["Computer no."].tolist() == ["F4", "F1", "F2"]
    assert files["Journey"].tolist() == [
        "journey?file=F4",
        "journey?file=F1",
        "journey?file=F2",
    ]
    assert files["Holder"].tolist() == ["mn.fin.so1", "mn.fin.us1", "mn.fin.ds1"]
    assert files["Held (working days)"].tolist() == [
        "8.0 working days",
        "19.0 working days",
        "8.0 working days",
    ]
    assert files["Overdue since"].tolist() == [
        "28-Mar-2024 10:00 IST",
        "12-Mar-2024 10:00 IST",
        "28-Mar-2024 11:00 IST",
    ]
    assert files["Escalated"].tolist() == ["No", "Yes", "No"]
    assert files["File no."].tolist() == ["–"] * 3  # the log gives no file numbers
    assert not at.markdown or all("download not shown" not in m.value for m in at.markdown)
    assert files["Escalated since"].tolist()[1] == "21-Mar-2024 10:00 IST"
    assert files["Escalate to"].tolist()[:2] == ["mn.fin.us1", "mn.fin.ds2"]
    assert set(holders["Holder"]) == {"mn.fin.so1", "mn.fin.us1", "mn.fin.ds1"}
    assert holders["Held since (oldest)"].tolist()[0] == "29-Feb-2024 10:00 IST"
    keys = {b.proto.id for b in at.get("download_button")}
    assert any("overdue-files-csv" in k for k in keys)
    assert any("overdue-files-xlsx" in k for k in keys)


def test_overdue_page_follows_the_stored_rules(alert_app):
    at, url = alert_app
    with open_store(url) as store:
        book = AlertBook(Accounts(store))
        for rule in RULES:
            book.set_rule(rule, by="tests")
    at = run_page(_finance(alert_app), "overdue")
    assert metrics(at)["Overdue"] == "2"
    assert metrics(at)["Escalated"] == "2"
    files = frames(at)[1]
    assert files["Computer no."].tolist() == ["F5", "F1"]
    assert files["Limit"].tolist() == ["2.0 working days", "10.0 working days"]


def test_overdue_page_pseudonymises_without_the_names_permission(alert_app):
    at = run_page(_finance(alert_app, see_names=False), "overdue")
    files = frames(at)[1]
    with open_store(alert_app[1]) as store:
        key = Accounts(store).pseudonym_key()
    assert files["Holder"].tolist()[1] == pseudonym("mn.fin.us1", key, "Manipur", "Finance")
    assert files["Escalate to"].tolist()[1] == pseudonym("mn.fin.ds2", key, "Manipur", "Finance")
    everything = " ".join(str(v) for f in frames(at) for v in f.to_numpy().ravel())
    assert "mn.fin" not in everything


def test_alert_settings_page_saves_the_accounts_own_choice(alert_app):
    at = run_page(_finance(alert_app), "alert_settings")
    assert f"Digest for {FINANCE}: Off" in [t.value for t in at.text]
    at.radio(key="alert-frequency").set_value("weekly")
    at.button(key="alert-save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Saved: Weekly \\(the first run of each week\\)."]
    with open_store(alert_app[1]) as store:
        accounts = Accounts(store)
        assert AlertBook(accounts).frequency(FINANCE) == "weekly"
        audit = accounts.audit.read(action="alert_preference")
        assert (audit.iloc[0]["actor"], audit.iloc[0]["target"]) == (FINANCE, FINANCE)


def test_alert_settings_in_the_demo_has_nobody_to_send_to(app: AppTest):
    at = run_page(app, "alert_settings")
    assert [i.value for i in at.info] == [
        "The demo has no account to send a digest to: sign in to choose."
    ]
    assert [r.key for r in at.radio] == ["lang"]  # only the language switch: no digest choice


def test_overdue_on_the_sample_agrees_with_the_overviews_figure(
    app: AppTest, expected, monkeypatch
):
    # No rule, no holiday list: overdue is the Overview's "pending over 7 working days",
    # counted here from the sample analysed straight from the CSV.
    monkeypatch.delenv("EOFFICE_HOLIDAYS", raising=False)
    facts = expected.facts
    over = facts["status"].eq("pending") & facts["age_working_days"].gt(7)
    at = run_page(app, "overdue")
    assert metrics(at)["Overdue"] == fmt.indian(int(over.sum()))
    files = frames(at)[1]
    assert sorted(files["Computer no."]) == sorted(facts.loc[over, "file_id"])
