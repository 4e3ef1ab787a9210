"""JSON and YAML reports: the full result model."""

from __future__ import annotations

import json

import yaml

from assay.core.results import RunResult


def render_json(run: RunResult) -> str:
    return json.dumps(run.to_dict(), indent=2, default=str) + "\n"


def render_yaml(run: RunResult) -> str:
    return str(
        yaml.safe_dump(
            json.loads(json.dumps(run.to_dict(), default=str)), sort_keys=False, allow_unicode=True
        )
    )
