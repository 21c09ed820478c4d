"""Upload (nodal officers): validate an extract, see what would load, then commit it; and
propose a level for a designation of their state (dashboard/levels_admin.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from analytics.access.authorise import UploadRefused, refusal_message
from analytics.access.level_keeper import LevelKeeper
from analytics.figures.registry import GLOSSARY
from analytics.log.formats import UnusableInputError, UploadLimits
from analytics.log.reading import ValidationReport, columns_found
from analytics.log.rules import MESSAGES, coded
from analytics.store.uploads import REPORT_LIST_CAP, STATUSES
from dashboard import auth, components, data, levels_admin
from dashboard import format as fmt
from dashboard.i18n import N_, _, current, fixed, reason_text


@dataclass
class Preview:
    """What the page keeps of a preview between reruns: the report and a few counts, never
    the file's bytes or its events (a large extract would hold hundreds of MB per session)."""

    report: ValidationReport
    rejected_rows: pd.DataFrame
    files: int
    rejected_issues: list[dict] = field(default_factory=list)
    warning_issues: list[dict] = field(default_factory=list)
    against: dict[str, int] = field(default_factory=dict)
    refused: str | None = None


components.header(
    _("Upload a movement log"),
    _(
        "Load an e-Office extract (CSV or Excel). You see what would be loaded and what would "
        "be rejected before anything is stored; loading the same rows twice never counts them "
        "twice."
    ),
)
scope = components.current_scope()
user = auth.signed_in_user()
if user is None:  # current_scope() already stops the run without a signed-in user
    st.stop()
store = data.store()
accounts = auth.accounts()
if user.is_demo:
    st.warning(
        _(
            "Demo mode is read-only: uploads are refused. Create an account (docs/access.md) "
            "and sign in as a nodal officer to load a movement log."
        ),
        icon=":material/block:",
    )
elif not user.can_upload:
    st.warning(_("Uploading needs a nodal-officer grant; ask an administrator."))
history_all = data.uploads(user)
known_states = sorted(
    {s for s in history_all["state_given"].dropna()} | set(data.choices(scope)["states"])
)

DONE_KEY = "upload_done"  # the last commit's outcome, shown instead of the form until reset
ROUND_KEY = "upload_round"  # bumped for a new upload: a fresh, empty file chooser
GIVEN = {"state": N_("State"), "department": N_("Department")}


def _single_grant() -> tuple[str | None, str | None]:
    """The state (and department) of the user's nodal-officer grants when there is only one."""
    grants = [g for g in user.grants if g.role == "nodal_officer" and g.state]
    states = {g.state for g in grants}
    state = next(iter(states)) if len(states) == 1 else None
    department = grants[0].department if len(grants) == 1 else None
    return state, department


def _new_upload() -> None:
    st.session_state.pop(DONE_KEY, None)
    st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
    st.session_state.get("upload_previews", {}).clear()


def _shown_column(entry: dict, headers: dict[str, str]) -> str:
    """The file's own header for a reported column (the canonical name if it has none)."""
    column = entry.get("column", "")
    header = entry.get("header") or headers.get(column, "")
    if header:
        return header
    return _("{column} (no such column)").format(column=column) if column in GIVEN else column


def _reason(entry: dict, coded: dict | None) -> str:
    """An issue's reason in the reader's language: the core's English template for its code
    (`analytics.log.rules.MESSAGES`, the catalogue's message ids) filled in with its params;
    the core's English where no code is known (a stored upload keeps only the English)."""
    if coded and coded.get("code") in MESSAGES:
        return reason_text(coded["code"], coded.get("params") or {}, MESSAGES)
    return entry["reason"]


# The stored rejected rows' columns, translated at display. (A comment, not a docstring: a
# bare string in a page script is shown on the page by Streamlit's magic.)
HISTORY_REJECTED = {
    "file": N_("File"),
    "line": N_("Line"),
    "column": N_("Column"),
    "reason": N_("Reason"),
}


def _stored_reason(reason: str) -> str:
    """A stored upload's rejected row's reason (kept in English) in the reader's language:
    read back as its code and params (`rules.coded`), else as stored."""
    found = coded(reason)
    return reason_text(found[0], found[1], MESSAGES) if found else reason


def _unusable(exc: UnusableInputError) -> str:
    """Why a whole file cannot be used, in the reader's language (its template's code, else
    the core's English: a reason that quotes an upload limit)."""
    return reason_text(exc.code, exc.params, MESSAGES) if exc.code else exc.reason


def _stored_message(file_name: str, status: str, message: object) -> object:
    """An upload's stored message: an unusable file's (`file: reason`, in English) with its
    reason in the reader's language; any other as stored."""
    prefix = f"{file_name}: "
    if status != "unusable" or not isinstance(message, str) or not message.startswith(prefix):
        return message
    return prefix + _stored_reason(message.removeprefix(prefix))


def _issues(
    entries: list[dict], headers: dict[str, str], coded: list[dict] | None = None
) -> pd.DataFrame:
    """The report's issues as a table; `coded` (the same issues with their codes, in order)
    lets each reason be shown in the reader's language."""
    codes = coded if coded is not None and len(coded) == len(entries) else [None] * len(entries)
    return pd.DataFrame(
        {
            _("Line"): [e["line"] for e in entries],
            _("Column"): [_shown_column(e, headers) for e in entries],
            _("Reason"): [_reason(e, c) for e, c in zip(entries, codes, strict=True)],
            _("File"): [e["file"] for e in entries],
        }
    )


done = st.session_state.get(DONE_KEY)
uploaded = None
state = department = None
if done is not None:
    # After a commit: the outcome and a way to start again, never the old preview or button.
    name, status, message = done
    if status == "stored":
        st.success(fmt.plain(f"{name}: {message}."), icon=":material/check_circle:")
    else:
        st.warning(fmt.plain(f"{name}: {message}."))
    st.button(
        _("Load another extract"), on_click=_new_upload, type="primary", icon=":material/upload:"
    )
else:
    uploaded = st.file_uploader(
        _("Extract (CSV or XLSX)"),
        type=["csv", "xlsx"],
        key=f"upload_file_{st.session_state.get(ROUND_KEY, 0)}",
        help=_("Excel 97–2003 .xls workbooks are not read: save the sheet as .xlsx or CSV."),
    )
    grant_state, grant_department = _single_grant()
    options = sorted(set(known_states) | ({grant_state} if grant_state else set()))
    left, right = st.columns(2)
    state = left.selectbox(
        _("State (if the file has no State column)"),
        options,
        index=options.index(grant_state) if grant_state else None,
        accept_new_options=True,
        placeholder=_("Leave empty when the file names the state"),
        key="upload_state",
    )
    department = right.text_input(
        _("Department (if the file has no Department column)"),
        value=grant_department or "",
        key="upload_department",
        placeholder=_("e.g. {example}").format(example="Finance"),
    )
    state = (state or "").strip() or None
    department = (department or "").strip() or None

if done is not None:
    pass
elif uploaded is None:
    st.info(_("Choose a file to see its validation report."))
elif user.is_demo:
    st.error(_("Demo mode is read-only: the file was not read and nothing can be committed."))
elif not user.can_upload:
    st.error(_("Only a nodal officer can check or load a file: the file was not read."))
else:
    content = uploaded.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    token = digest + f"|{state}|{department}"
    cache = st.session_state.setdefault("upload_previews", {})
    headers_cache = st.session_state.setdefault("upload_headers", {})
    if digest not in headers_cache:
        headers_cache.clear()
        try:
            headers_cache[digest] = columns_found((uploaded.name, content), UploadLimits.from_env())
        except UnusableInputError as exc:
            headers_cache[digest] = exc
    headers = headers_cache[digest]
    given = {"state": state, "department": department}
    missing = (
        []
        if isinstance(headers, UnusableInputError)
        else [c for c in GIVEN if c not in headers and not given[c]]
    )
    if missing:
        # Without these every row would be rejected: ask for them before validating.
        asked = _(" and ").join(f"**{_(GIVEN[c])}**" for c in missing)
        columns = _(" or ").join(_(GIVEN[c]) for c in missing)
        st.warning(
            _(
                "**{name}** has no {columns} column. Choose the {asked} of its rows above to see "
                "its validation report."
            ).format(name=fmt.plain(uploaded.name), columns=columns, asked=asked),
            icon=":material/edit_note:",
        )
    elif isinstance(headers, UnusableInputError):
        cache[token] = headers
    if not missing and token not in cache:
        try:
            with st.spinner(_("Reading and checking the file…")):
                cache.clear()
                read = store.uploads.preview(
                    [(uploaded.name, content)], state=state, department=department
                )
                refused = accounts.guard.check_upload(user, read.events)
                cache[token] = Preview(
                    report=read.report,
                    rejected_rows=read.rejected_rows.head(REPORT_LIST_CAP),
                    files=int(read.events["file_id"].nunique()),
                    rejected_issues=read.rejected_issues,
                    warning_issues=read.warning_issues,
                    # rows outside the user's scope are never compared with the store
                    against={} if refused else store.uploads.compare(read.events),
                    refused=refusal_message(user, refused) if refused else None,
                )
                del read
        except UnusableInputError as exc:
            cache[token] = exc
    result = None if missing else cache[token]
    if result is None:
        pass  # asked above for the state or department
    elif isinstance(result, UnusableInputError):
        st.error(
            _("**{name} cannot be loaded:** {reason}. Nothing was stored.").format(
                name=fmt.plain(uploaded.name), reason=fmt.plain(_unusable(result))
            )
        )
    elif result.refused:
        st.error(
            _("**{name}:** {reason}. Nothing can be committed.").format(
                name=fmt.plain(uploaded.name), reason=fmt.plain(result.refused)
            )
        )
    else:
        report, against = result.report, result.against
        assert isinstance(headers, dict)
        st.header(_("Validation of {name}").format(name=fmt.plain(uploaded.name)))
        components.cards(
            [
                (_("Rows read"), fmt.indian(report.rows_read), _("Data rows in the file.")),
                (_("Rows accepted"), fmt.indian(report.rows_accepted), _("Rows that will load.")),
                (
                    _("Rows rejected"),
                    fmt.indian(report.rows_rejected),
                    _("Rows that will not load."),
                ),
                (
                    _("Duplicates dropped"),
                    fmt.indian(report.duplicates_dropped),
                    _("Rows repeating an event already in the file."),
                ),
                (
                    _("Files in the extract"),
                    fmt.indian(result.files),
                    _("Distinct computer numbers among the accepted rows."),
                ),
                (
                    _("Unknown designations"),
                    fmt.indian(len(report.unknown_designations)),
                    _("Kept, but counted at no level until the level table knows them."),
                ),
                (
                    _("New events"),
                    fmt.indian(against["events_new"]),
                    _("Accepted events the store does not hold yet: what a commit adds."),
                ),
                (
                    _("Already stored"),
                    fmt.indian(against["events_already_stored"]),
                    _("Accepted events the store already holds: never counted twice."),
                ),
                (
                    _("New files"),
                    fmt.indian(against["files_new"]),
                    _("Files the store has never seen (others gain events)."),
                ),
            ]
        )
        if report.rejected:
            st.markdown(
                _("**Rejected rows** ({count})").format(count=fmt.indian(report.rows_rejected))
            )
            if report.rows_rejected > len(result.rejected_rows):
                st.caption(
                    _(
                        "The first {count} are shown here; all of them can be downloaded from "
                        "the upload history once committed."
                    ).format(count=fmt.indian(len(result.rejected_rows)))
                )
            st.caption(_("Columns are named by the file's own headers."))
            rows = result.rejected_rows
            shown = _issues(report.rejected, headers, result.rejected_issues)
            components.table(
                shown,
                rows.drop(columns=["raw", "issues"], errors="ignore")
                .assign(
                    header=[
                        ", ".join(headers.get(c.strip(), c.strip()) for c in str(v).split(","))
                        for v in rows["column"]
                    ]
                )
                .join(pd.json_normalize(rows["raw"].tolist()).add_prefix("cell: "))
                if len(rows)
                else shown,
                f"rejected_{uploaded.name}",
                "preview-rejected",
            )
        if report.warnings:
            with st.expander(
                _("Warnings ({count})").format(count=fmt.indian(len(report.warnings)))
            ):
                components.frame(_issues(report.warnings, headers, result.warning_issues))
        if report.unknown_designations:
            with st.expander(_("Unknown designations (rows)")):
                components.frame(
                    pd.DataFrame(
                        sorted(report.unknown_designations.items(), key=lambda kv: -kv[1]),
                        columns=[_("Designation"), _("Rows")],
                    )
                )
        if report.files_without_created or report.broken_chains:
            st.caption(
                _(
                    "{files} files start without a `created` event (extract began mid-life); "
                    "{broken} movements were sent by someone other than the holder (broken "
                    "chains)."
                ).format(
                    files=fmt.indian(report.files_without_created),
                    broken=fmt.indian(report.broken_chains),
                )
                + " "
                + fmt.plain(_(GLOSSARY["broken chain"]))
            )
        if report.rows_accepted == 0:
            st.warning(_("No row can be loaded from this file."))
        elif st.button(_("Commit to the store"), type="primary", icon=":material/cloud_upload:"):
            with st.spinner(_("Storing…")):
                try:  # these bytes, checked again under the store's lock, are what is stored
                    outcome = accounts.guard.ingest_as(
                        user, [(uploaded.name, content)], state=state, department=department
                    )
                except UploadRefused as exc:
                    st.error(fmt.plain(exc))
                except UnusableInputError as exc:
                    st.error(
                        fmt.plain(
                            _("{name} cannot be loaded: {reason}").format(
                                name=uploaded.name, reason=_unusable(exc)
                            )
                        )
                    )
                else:
                    cache.clear()
                    st.session_state[DONE_KEY] = (
                        uploaded.name,
                        outcome.status,
                        outcome.describe(current()),
                    )
                    st.rerun()

st.divider()
st.header(_("Upload history"))
history = data.uploads(user)
if history.empty:
    st.caption(_("Nothing uploaded yet."))
else:
    history = history.sort_values("id", ascending=False)
    history["message"] = [
        _stored_message(*row)
        for row in zip(history["file_name"], history["status"], history["message"], strict=True)
    ]
    shown = history[
        [
            "id",
            "uploaded_at",
            "uploaded_by",
            "file_name",
            "state_given",
            "department_given",
            "status",
            "rows_read",
            "rows_accepted",
            "rows_rejected",
            "duplicates_dropped",
            "events_new",
            "events_already_stored",
            "message",
        ]
    ]
    counts = [c for c in shown.columns if c.startswith(("rows_", "events_", "duplicates"))]
    components.table(
        fmt.table(
            shown.fillna(
                {
                    "state_given": _("in the file"),
                    "department_given": _("in the file"),
                    "message": "",
                }
            ),
            {
                "uploaded_at": fmt.moment,
                "status": lambda v: fmt.word(v, STATUSES),
                **dict.fromkeys(counts, fmt.indian),
            },
        ).rename(
            columns={
                "id": _("Upload"),
                "uploaded_at": _("When"),
                "uploaded_by": _("By"),
                "file_name": _("File"),
                "state_given": _("State given"),
                "department_given": _("Department given"),
                "status": _("Status"),
                "rows_read": _("Rows read"),
                "rows_accepted": _("Accepted"),
                "rows_rejected": _("Rejected"),
                "duplicates_dropped": _("Duplicates"),
                "events_new": _("New events"),
                "events_already_stored": _("Already stored"),
                "message": _("Message"),
            }
        ),
        shown,
        "upload_history",
        "history",
    )
    with_rejects = history[history["rows_rejected"] > 0]
    if not with_rejects.empty:
        chosen = st.selectbox(
            _("Rejected rows of upload"),
            with_rejects["id"].tolist(),
            format_func=fixed(
                lambda i: fmt.shown(
                    f"{i} · "
                    + str(with_rejects.set_index("id").loc[i, "file_name"])
                    + " "
                    + _("({count} rows)").format(
                        count=fmt.indian(with_rejects.set_index("id").loc[i, "rows_rejected"])
                    )
                )
            ),
            key="history_rejects",
        )
        rows = data.rejected_rows(scope, int(chosen))
        flat = rows.drop(columns=["raw"]).join(
            pd.json_normalize(rows["raw"].tolist()).add_prefix("cell: ")
        )
        components.table(
            rows.drop(columns=["raw"])
            .assign(reason=lambda f: f["reason"].map(_stored_reason))
            .pipe(fmt.headed, HISTORY_REJECTED),
            flat,
            f"upload_{chosen}_rejected_rows",
            "history-rejected",
        )

levels_admin.propose_section(LevelKeeper(accounts, user, user.email))
