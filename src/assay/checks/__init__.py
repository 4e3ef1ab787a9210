"""Check families. Importing this package registers every family's target type and kinds."""

from __future__ import annotations

import importlib

FAMILIES = ("s3", "net", "http", "aws", "stacks", "terraform", "files", "domain", "db")


def load_families() -> None:
    """Import every family so its kinds are registered (idempotent)."""
    for family in FAMILIES:
        importlib.import_module(f"assay.checks.{family}")


load_families()
