"""Logging set-up: human lines or JSON objects on stderr, secrets always masked."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from assay.core.secrets import RedactingFilter

LOGGER = "assay"


def setup(fmt: str, level: str) -> logging.Logger:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(LOGGER)
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
    return logger
