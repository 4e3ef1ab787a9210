"""Moved to ``assay.checks.aws.embedded`` (the s3 and aws families share it); kept for imports."""

from __future__ import annotations

from assay.checks.aws.embedded import EmbeddedMoto

__all__ = ["EmbeddedMoto"]
