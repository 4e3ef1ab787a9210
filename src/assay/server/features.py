"""The server's features, in the order their routes are added.

A new feature is a folder with a ``feature.py`` declaring ``FEATURE``, added to this list
(and, if it has settings, its section to ``settings.Settings``); ``docs/architecture.md``
describes the seam.
"""

from __future__ import annotations

from assay.server.feature import Feature
from assay.server.feedback.feature import FEATURE as FEEDBACK
from assay.server.health.feature import FEATURE as HEALTH
from assay.server.integrations.feature import FEATURE as INTEGRATIONS
from assay.server.monitors.feature import FEATURE as MONITORS
from assay.server.sessions.feature import FEATURE as SESSIONS
from assay.server.tokens.feature import FEATURE as TOKENS

FEATURES: tuple[Feature, ...] = (HEALTH, TOKENS, SESSIONS, INTEGRATIONS, FEEDBACK, MONITORS)

# every table the migrations create
TABLES = tuple(f.tables for f in FEATURES if f.tables is not None)
