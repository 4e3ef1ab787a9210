"""Integrations: named endpoints with an assay check, run on an interval by the server."""

from assay.server.integrations.check import Health, Outcome, run_check
from assay.server.integrations.config import Integration, load_integrations
from assay.server.integrations.jobs import Integrations

__all__ = ["Health", "Integration", "Integrations", "Outcome", "load_integrations", "run_check"]
