"""assay's server: sessions and results over HTTP, its own health, background jobs.

Layers inside: ``settings`` · ``db`` (tables, engine, migrations, error translation) ·
``store`` (queries) · ``schemas`` (API models) · ``api`` (routers) · ``jobs`` · ``app``.
"""

from assay.server.app import create_app
from assay.server.settings import Settings, load_settings

__all__ = ["Settings", "create_app", "load_settings"]
