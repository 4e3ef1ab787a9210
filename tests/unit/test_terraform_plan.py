"""Terraform plan logic: actions, attribute changes with masking, patterns, approvals."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from assay.checks.terraform.approvals import Rule, inline_approvals, matches, read_approvals
from assay.checks.terraform.plan_file import (
    SENSITIVE,
    UNKNOWN,
    PlanError,
    parse_plan,
    read_plan,
    sensitive_values,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "terraform" / "plan.json"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def _plan(data: dict[str, Any]) -> Any:
    return parse_plan(copy.deepcopy(data), "plan.json")


def test_plan_counts_every_action_kind(raw: dict[str, Any]) -> None:
    plan = _plan(raw)
    assert plan.counts() == {
        "create": 1,
        "update": 1,
        "replace": 2,
        "delete": 2,
        "read": 1,
        "no-op": 3,
        "forget": 1,
        "replace_delete_first": 1,
        "replace_create_first": 1,
        "moved": 1,
        "imported": 1,
    }
    by_address = {c.address: c for c in plan.changes}
    subnet = by_address['module.network.aws_subnet.private["a"]']
    assert (subnet.module, subnet.action, subnet.replace_order, subnet.action_reason) == (
        "module.network",
        "replace",
        "create_then_delete",
        "replace_because_tainted",
    )
    assert by_address["aws_instance.web[1]"].destroys
    assert not by_address["aws_ssm_parameter.old_flag"].destroys  # forget keeps the object


def test_plan_attribute_changes_mask_sensitive_and_mark_unknown(raw: dict[str, Any]) -> None:
    plan = _plan(raw)
    db = next(c for c in plan.changes if c.address == "aws_db_instance.main")
    changes = {c["path"]: c for c in db.attribute_changes()}
    assert changes["storage_encrypted"] == {
        "path": "storage_encrypted",
        "before": False,
        "after": True,
        "forces_replacement": True,
    }
    assert changes["id"]["after"] == UNKNOWN
    assert "password" not in changes  # sensitive, but unchanged
    web = next(c for c in plan.changes if c.address == "aws_instance.web[0]")
    paths = [c["path"] for c in web.attribute_changes()]
    assert paths == ["instance_type", "tags.tier"]


def test_plan_changed_sensitive_value_is_masked_on_both_sides() -> None:
    data = {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_ssm_parameter.token",
                "type": "aws_ssm_parameter",
                "name": "token",
                "change": {
                    "actions": ["update"],
                    "before": {"value": "old-token-1234", "nested": [{"key": "k1-secret"}]},
                    "after": {"value": "new-token-5678", "nested": [{"key": "k2-secret"}]},
                    "before_sensitive": {"value": True, "nested": [{"key": True}]},
                    "after_sensitive": {"value": True, "nested": [{"key": True}]},
                    "after_unknown": {},
                },
            }
        ],
    }
    change = parse_plan(data, "p.json").changes[0]
    shown = json.dumps(change.attribute_changes())
    for secret in ("old-token-1234", "new-token-5678", "k1-secret", "k2-secret"):
        assert secret not in shown
    assert change.attribute_changes()[0] == {
        "path": "nested[0].key",
        "before": SENSITIVE,
        "after": SENSITIVE,
    }
    values = sensitive_values(
        data["resource_changes"][0]["change"]["after"], {"value": True, "nested": [{"key": True}]}
    )
    assert sorted(values) == ["k2-secret", "new-token-5678"]


def test_plan_create_lists_new_attributes_and_delete_old_ones(raw: dict[str, Any]) -> None:
    plan = _plan(raw)
    bucket = next(c for c in plan.changes if c.address == "aws_s3_bucket.logs")
    created = {c["path"]: c["after"] for c in bucket.attribute_changes()}
    assert created["bucket"] == "orders-logs" and created["arn"] == UNKNOWN
    role = next(c for c in plan.changes if c.address == "aws_iam_role.legacy")
    assert {c["path"]: c["after"] for c in role.attribute_changes()} == {"arn": None, "name": None}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format_version="2.0"), "plan format 2.0 is not supported"),
        (lambda d: d.pop("format_version"), "no format_version"),
        (lambda d: d.update(resource_changes={"a": 1}), "'resource_changes' is not a list"),
        (lambda d: d["resource_changes"][0].pop("change"), "has no change.actions"),
    ],
    ids=["version", "no-version", "changes-not-list", "no-actions"],
)
def test_plan_errors_name_the_file(raw: dict[str, Any], mutate: Any, message: str) -> None:
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(PlanError, match=message) as info:
        parse_plan(data, "plans/prod.json")
    assert str(info.value).startswith("plans/prod.json: ")


def test_plan_read_rejects_non_json(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("Terraform will perform the following actions:\n")
    with pytest.raises(PlanError, match=r"plan.json: not JSON"):
        read_plan(path)
    path.write_text("[1, 2]")
    with pytest.raises(PlanError, match="expected a JSON object"):
        read_plan(path)


def test_plan_unknown_action_list_is_kept_as_unknown(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    data["resource_changes"][0]["change"]["actions"] = ["create", "forget"]
    assert _plan(data).changes[0].action == "unknown"


@pytest.mark.parametrize(
    ("pattern", "address", "hit"),
    [
        ("aws_db_instance.main", "aws_db_instance.main", True),
        ("aws_db_instance.main", "aws_db_instance.main[0]", True),
        ("aws_db_instance.main", 'aws_db_instance.main["blue"]', True),
        ("aws_db_instance.main", "aws_db_instance.main_replica", False),
        ("aws_instance.web[0]", "aws_instance.web[0]", True),
        ("aws_instance.web[0]", "aws_instance.web0", False),
        ("module.db.*", "module.db.aws_db_instance.x", True),
        ("module.db.*", "module.dbx.aws_db_instance.x", False),
        ("*.aws_db_instance.*", "module.a.module.b.aws_db_instance.x", True),
        ("aws_instance.web[?]", "aws_instance.web[7]", True),
    ],
)
def test_patterns_are_literal_except_star_and_question_mark(
    pattern: str, address: str, hit: bool
) -> None:
    assert matches(pattern, address) is hit


def test_rule_covers_by_type_or_address() -> None:
    rule = Rule(addresses=("module.db.*",), types=("aws_rds_cluster",))
    assert rule.covers("aws_rds_cluster.main", "aws_rds_cluster") == "type aws_rds_cluster"
    assert rule.covers("module.db.aws_instance.x", "aws_instance") == "address module.db.*"
    assert rule.covers("aws_instance.x", "aws_instance") is None


def test_approvals_file_forms(tmp_path: Path) -> None:
    path = tmp_path / "approvals.yaml"
    path.write_text(
        "approvals:\n  - aws_db_instance.main\n  - {address: 'module.db.*', reason: upgrade, by: ana}\n"
    )
    found = read_approvals(path)
    assert [(a.pattern, a.reason, a.by) for a in found] == [
        ("aws_db_instance.main", None, None),
        ("module.db.*", "upgrade", "ana"),
    ]
    path.write_text("- aws_s3_bucket.a\n")
    assert [a.pattern for a in read_approvals(path)] == ["aws_s3_bucket.a"]
    path.write_text("approvals: {address: x}\n")
    with pytest.raises(ValueError, match="expected a list"):
        read_approvals(path)
    path.write_text("- [nested]\n")
    with pytest.raises(ValueError, match="entry 1 must be an address pattern"):
        read_approvals(path)
    with pytest.raises(ValueError, match="cannot read the approvals file"):
        read_approvals(tmp_path / "missing.yaml")
    assert [a.source for a in inline_approvals(["x.y"])] == ["approvals"]
