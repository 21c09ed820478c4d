"""Upload and export authorisation: what a user may bring into the store and take out of it.

A nodal officer uploads for the states / departments of their nodal grants only
(`authorise_upload`: one rule, applied by the preview of `Guard.check_upload` and by
`Guard.ingest_as`, which checks it under the store's writer lock); an export re-checks the
user against the store at the moment it is made (`Guard.record_export`). Every upload and
export is audited, whatever happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.access.audit import Action, AuditLog
from analytics.access.scope import describe_scope
from analytics.access.users import AuthError, SignedInUser, Users
from analytics.log.formats import UnusableInputError, UploadLimits
from analytics.log.reading import source_bytes
from analytics.log.rules import printable
from analytics.store.store import Store
from analytics.store.uploads import IngestResult


class ExportRefused(AuthError):
    """An export refused because the user's access changed or ended (already audited)."""


class UploadRefused(AuthError):
    """An upload refused for rows outside the uploader's scope (already audited)."""

    def __init__(self, message: str, refused: list[Refusal]) -> None:
        super().__init__(message)
        self.refused = refused


@dataclass(frozen=True)
class Refusal:
    """Rows an upload may not bring: rows of a state/department outside the uploader's scope
    or, with `file_id`, rows of a file the store holds under `state` / `department`
    (`why`: `held`, another department's file; `first`, rows that would become the file's
    first event and so change its department)."""

    state: str
    department: str
    rows: int
    file_id: str = ""
    why: str = ""

    def describe(self) -> str:
        """E.g. `120 rows of Assam / Health`, or `file MH-1 (1 row): the store holds it under
        Manipur / Home`."""
        rows = f"{self.rows:,} row{'s' if self.rows != 1 else ''}"
        if not self.file_id:
            return f"{rows} of {self.state} / {self.department}"
        held = f"the store holds it under {self.state} / {self.department}"
        if self.why == "first":
            return (
                f"file {self.file_id} ({rows} dated at or before its first stored event, of "
                f"another department): {held}, and a file's department is its first event's"
            )
        return f"file {self.file_id} ({rows}): {held}"


def authorise_upload(
    user: SignedInUser, events: pd.DataFrame, held: pd.DataFrame | None = None
) -> list[Refusal]:
    """What of `events` the user may not upload; an empty list means the upload is allowed.

    First the rows' (state, department) groups outside the user's upload scope (a user
    without a nodal-officer grant, or the demo, is refused every row). Only when every row is
    inside the scope, and `held` (`Store.uploads.stored_files` of the events) is given, each row is
    checked against the file the store already holds: the file's department is its first
    event's, so a row of a file held under a department outside the scope is refused
    (`held`), and so is a row of another department dated at or before the held file's
    first event, which would change the file's department (`first`).
    """
    if events.empty:
        return []
    counts = events.groupby(["state", "department"], dropna=False, sort=True).size()
    refused = []
    for (state, department), rows in counts.items():
        s = "" if pd.isna(state) else str(state)
        d = "" if pd.isna(department) else str(department)
        if user.is_demo or not user.upload_scope.allows(s, d):
            refused.append(Refusal(s, d, int(rows)))
    if refused or held is None or held.empty:
        return refused
    events = events[events["file_id"].isin(held["file_id"]).to_numpy(dtype=bool)]
    rows = pd.DataFrame(
        {c: events[c].astype("str") for c in ("state", "file_id", "department")}
        | {"timestamp": events["timestamp"]}
    )
    both = rows.merge(held, on=["state", "file_id"], suffixes=("", "_held"))
    allowed = {
        (s, d): user.upload_scope.allows(s, d)
        for s, d in both[["state", "department_held"]].drop_duplicates().itertuples(index=False)
    }
    outside = [
        not allowed[(s, d)] for s, d in zip(both["state"], both["department_held"], strict=True)
    ]
    first = both["timestamp"].le(both["first_event_at"]) & both["department"].ne(
        both["department_held"]
    )
    for why, mask in (("held", pd.Series(outside, index=both.index)), ("first", first)):
        hits = both[mask.to_numpy(dtype=bool)]
        for (s, f, d), group in hits.groupby(["state", "file_id", "department_held"], sort=True):
            refused.append(Refusal(str(s), str(d), len(group), file_id=str(f), why=why))
        if refused:
            break
    return refused


def refusal_message(user: SignedInUser, refused: Sequence[Refusal]) -> str:
    """Why an upload is refused, for people: what is refused and what the user may upload."""
    shown = ", ".join(r.describe() for r in refused[:10])
    if len(refused) > 10:
        shown += f" and {len(refused) - 10:,} more"
    allowed = describe_scope(user.upload_scope)
    if refused[0].file_id:
        return (
            f"refused, nothing was stored: {shown}; you may upload for {allowed} only, and a "
            "file keeps the department the store holds for it"
        )
    return f"refused, nothing was stored: {shown} lie outside your upload scope ({allowed})"


class Guard:
    """Uploads and exports of signed-in users, on the store, audited."""

    def __init__(self, store: Store, users: Users, audit: AuditLog) -> None:
        self.store = store
        self.users = users
        self.audit = audit

    def ingest_as(
        self,
        user: SignedInUser,
        sources: Sequence[Any],
        *,
        state: str | None = None,
        department: str | None = None,
        xes_mapping: dict[str, Any] | None = None,
    ) -> IngestResult:
        """Upload for `user`, audited whatever happens: refused (nothing stored) when any row
        lies outside the user's upload scope or touches a file the store holds under a
        department outside it (`authorise_upload`, checked under the store's writer lock);
        otherwise `Store.uploads.ingest` with `by=user.email`. Each source is read once: the bytes
        checked are the bytes stored."""
        target = ", ".join(s[0] if isinstance(s, tuple) else str(s) for s in sources)

        def audit(outcome: str, details: dict[str, Any]) -> None:
            self.audit.write(user.email, Action.UPLOAD, outcome, target, details)

        if not user.can_upload or user.is_demo:
            refused = [Refusal(state or "?", department or "?", 0)]
            audit("refused", {"reason": "no upload grant"})
            message = "refused: uploading needs a nodal-officer grant; nothing was stored"
            raise UploadRefused(message, refused)

        def authorise(read: Any, held: pd.DataFrame) -> None:
            refused = authorise_upload(user, read.events, held)
            if refused:
                raise UploadRefused(refusal_message(user, refused), refused)

        try:
            named = [source_bytes(s, UploadLimits.from_env()) for s in sources]
            result = self.store.uploads.ingest(
                named,
                state=state,
                department=department,
                by=user.email,
                authorise=authorise,
                xes_mapping=xes_mapping,
            )
        except UploadRefused as exc:
            refusals = [r.__dict__ for r in exc.refused]
            audit("refused", {"refused": refusals, "scope": describe_scope(user.upload_scope)})
            raise
        except UnusableInputError as exc:
            audit("unusable", {"reason": exc.reason, "upload_id": getattr(exc, "upload_id", None)})
            raise
        except Exception as exc:
            audit("failed", {"error": _error_text(exc)})
            raise
        audit("ok" if result.status == "stored" else result.status, _stored(result))
        return result

    def check_upload(self, user: SignedInUser, events: pd.DataFrame) -> list[Refusal]:
        """`authorise_upload` of read events against the store as it stands (for a preview:
        the store is consulted only once every row lies inside the user's upload scope)."""
        refused = authorise_upload(user, events)
        if refused or events.empty:
            return refused
        return authorise_upload(user, events, self.store.uploads.stored_files(events))

    def record_export(self, user: SignedInUser, what: str, rows: int, fmt: str) -> None:
        """Re-check `user` against the store at this moment, then audit the export.

        Refused (`ExportRefused`, audited as a refused `export`) when the account has been
        disabled or removed, or its grants or names permission changed since `user` was
        resolved: a button already on screen exports nothing after a revoke or disable.
        """
        reason = self._export_refusal(user)
        details = {"rows": int(rows), "format": fmt, "names_shown": user.scope.see_names}
        if reason is not None:
            refusal = {**details, "reason": reason}
            self.audit.write(user.email, Action.EXPORT, "refused", what, refusal)
            raise ExportRefused(f"refused: {reason}; nothing was exported (reload the page)")
        self.audit.write(user.email, Action.EXPORT, "ok", what, details)

    def _export_refusal(self, user: SignedInUser) -> str | None:
        if user.is_demo:
            return "demo mode is off: this store has user accounts" if self.users.exist() else None
        current = self.users.get(user.email, user.method)
        if current is None:
            return "the account is disabled or removed"
        if current.grants != user.grants or current.see_names != user.see_names:
            return "your access changed since this page was shown"
        return None


def visible_uploads(history: pd.DataFrame, user: SignedInUser) -> pd.DataFrame:
    """Rows of `Store.uploads.history()` the user may see: every one for a reader of every state;
    otherwise the user's own uploads and those whose rows all lie in the user's read scope
    (`touched`; an upload that stored no rows counts by the state / department given)."""
    scope = user.scope
    if scope.unrestricted or history.empty:
        return history
    keep = []
    for by, touched, state, department in zip(
        history["uploaded_by"],
        history["touched"],
        history["state_given"],
        history["department_given"],
        strict=True,
    ):
        if by == user.email:
            keep.append(True)
        elif touched:
            keep.append(all(scope.allows(s, d) for s, d in touched))
        else:
            keep.append(
                isinstance(state, str)
                and scope.allows(state, department if isinstance(department, str) else None)
            )
    return history[keep]


def _error_text(exc: BaseException, cap: int = 500) -> str:
    """An exception as audit text: its type and message, control characters escaped, capped."""
    text = printable(f"{type(exc).__name__}: {exc}")
    return text if len(text) <= cap else text[:cap] + "…"


def _stored(result: IngestResult) -> dict[str, Any]:
    """The audit details of an upload the store took (stored, or a duplicate)."""
    return {
        "upload_id": result.upload_id or result.duplicate_of,
        "rows_accepted": result.rows_accepted,
        "rows_rejected": result.rows_rejected,
        "events_new": result.events_new,
    }
