"""The rules for names that travel between the CLI and the server: session ids, labels.

Defined once here; the server's request models, its query parameters and the CLI's options
(checked before a run starts) all use these.
"""

from __future__ import annotations

import re

SESSION_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"  # a client-chosen session id
LABEL_KEY = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"
MAX_LABEL_VALUE = 200
LABEL = rf"^[A-Za-z0-9][A-Za-z0-9_.-]{{0,62}}=.{{0,{MAX_LABEL_VALUE}}}$"  # key=value, a filter

SESSION_ID_RE = re.compile(SESSION_ID)
LABEL_KEY_RE = re.compile(LABEL_KEY)
