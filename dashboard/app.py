"""The e-Office analytics dashboard: routing only (each page lives in dashboard/pages/)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` from a plain checkout
    sys.path.insert(0, str(ROOT))

from dashboard import navigation  # (needs the path above)

navigation.run()
