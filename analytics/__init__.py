"""e-Office file-movement analytics: the public API.

Programs (the dashboard, the command line, a notebook) use these names; the modules behind
them may move. The names load on first use, so `import analytics` stays cheap.

- the log: `read_logs` (CSV, Excel, XES → canonical events and a validation report),
  `LevelTable`, `WorkCalendar`, `parse_moment`;
- the figures: `FIGURES` and `figure` (the registry), `analyse` and `compute_report` (the
  tables of docs/metrics.md), `Filters` and `report_tables` (a selection of them);
- the store: `open_store`, `Store`, `default_url`;
- access: `Accounts`, `SignedInUser`, `Scope`, `AuthError`;
- outputs: `write_report`, `pdf_bytes` / `xlsx_bytes` (the monthly report), `write_xes`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_HOMES = {
    "read_logs": "analytics.log.reading",
    "ReadResult": "analytics.log.reading",
    "ValidationReport": "analytics.log.reading",
    "UnusableInputError": "analytics.log.formats",
    "parse_moment": "analytics.log.reading",
    "LevelTable": "analytics.log.hierarchy",
    "LevelTableError": "analytics.log.hierarchy",
    "WorkCalendar": "analytics.log.calendar",
    "FIGURES": "analytics.figures.registry",
    "Figure": "analytics.figures.registry",
    "figure": "analytics.figures.registry",
    "Analysis": "analytics.figures.metrics",
    "analyse": "analytics.figures.metrics",
    "compute_report": "analytics.figures.metrics",
    "Filters": "analytics.figures.views",
    "report_tables": "analytics.figures.views",
    "Duration": "analytics.schema",
    "open_store": "analytics.store.store",
    "Store": "analytics.store.store",
    "default_url": "analytics.store.store",
    "Accounts": "analytics.access.accounts",
    "SignedInUser": "analytics.access.users",
    "AuthError": "analytics.access.users",
    "Scope": "analytics.access.scope",
    "write_report": "analytics.outputs.report",
    "pdf_bytes": "analytics.outputs.monthly_pdf",
    "xlsx_bytes": "analytics.outputs.monthly_pdf",
    "write_xes": "analytics.outputs.xes",
}

__all__ = [
    "FIGURES",
    "Accounts",
    "Analysis",
    "AuthError",
    "Duration",
    "Figure",
    "Filters",
    "LevelTable",
    "LevelTableError",
    "ReadResult",
    "Scope",
    "SignedInUser",
    "Store",
    "UnusableInputError",
    "ValidationReport",
    "WorkCalendar",
    "analyse",
    "compute_report",
    "default_url",
    "figure",
    "open_store",
    "parse_moment",
    "pdf_bytes",
    "read_logs",
    "report_tables",
    "write_report",
    "write_xes",
    "xlsx_bytes",
]
"""The public names; each loads from its home module (`_HOMES`) on first use."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'analytics' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:
    from analytics.access.accounts import Accounts
    from analytics.access.scope import Scope
    from analytics.access.users import AuthError, SignedInUser
    from analytics.figures.metrics import Analysis, analyse, compute_report
    from analytics.figures.registry import FIGURES, Figure, figure
    from analytics.figures.views import Filters, report_tables
    from analytics.log.calendar import WorkCalendar
    from analytics.log.formats import UnusableInputError
    from analytics.log.hierarchy import LevelTable, LevelTableError
    from analytics.log.reading import ReadResult, ValidationReport, parse_moment, read_logs
    from analytics.outputs.monthly_pdf import pdf_bytes, xlsx_bytes
    from analytics.outputs.report import write_report
    from analytics.outputs.xes import write_xes
    from analytics.schema import Duration
    from analytics.store.store import Store, default_url, open_store
