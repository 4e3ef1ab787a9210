"""Sessions of results: from ``assay run --report-to``, uploads, or JUnit XML imports.

The public face other features use: whether a session, or a result in it, exists.
"""

from assay.server.sessions.results_store import exists as result_exists
from assay.server.sessions.store import exists as session_exists

__all__ = ["result_exists", "session_exists"]
