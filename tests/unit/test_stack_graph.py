"""The stacks family's pure logic: graph algorithms, intrinsic resolution, models, analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assay.checks.stacks import graph
from assay.checks.stacks.assembly import Assembly, read_assembly
from assay.checks.stacks.dependencies import analyse
from assay.checks.stacks.models import (
    Dependency,
    Deployment,
    Resource,
    Stack,
    StackGraph,
)
from assay.checks.stacks.templates import Resolver, stack_from_template

DATA = Path(__file__).resolve().parents[1] / "data" / "stacks"


def test_graph_cycle_reported_as_closed_path_from_smallest_name() -> None:
    requires = {"c": {"a"}, "a": {"b"}, "b": {"c"}, "d": set()}
    assert graph.cycles(requires) == [["a", "b", "c", "a"]]


def test_graph_every_cycle_listed_shortest_first() -> None:
    requires = {"a": {"b"}, "b": {"a", "c"}, "c": {"a"}, "x": {"x"}}
    assert graph.cycles(requires) == [["x", "x"], ["a", "b", "a"], ["a", "b", "c", "a"]]


def test_graph_waves_raise_with_cycle_paths() -> None:
    with pytest.raises(graph.CycleError) as info:
        graph.waves({"a": {"b"}, "b": {"a"}})
    assert info.value.cycles == [["a", "b", "a"]]
    assert "a → b → a" in str(info.value)


def test_graph_waves_of_a_diamond() -> None:
    requires = {
        "api": {"data", "queue"},
        "data": set(),
        "queue": {"net"},
        "net": set(),
        "ui": {"api"},
    }
    assert graph.waves(requires) == [["data", "net"], ["queue"], ["api"], ["ui"]]


def test_graph_waves_are_deterministic_and_independent_stacks_share_wave_one() -> None:
    requires = {name: set() for name in ("zeta", "alpha", "mid")}
    assert graph.waves(requires) == [["alpha", "mid", "zeta"]]


def test_graph_reaches_is_transitive() -> None:
    requires = {"worker": {"cache"}, "cache": {"data"}, "data": set(), "api": set()}
    assert graph.reaches(requires, "worker", "data")
    assert not graph.reaches(requires, "api", "data")
    assert not graph.reaches(requires, "data", "worker")


@pytest.mark.parametrize(
    ("expected", "fragment"),
    [
        (["api", "data"], "api (#1) comes before data (#2), which it depends on"),
        (["data"], "missing from the expected order: api"),
        (["data", "api", "ghost"], "not stacks of this app: ghost"),
        (["data", "data", "api"], "listed more than once: data"),
    ],
    ids=["wrong-order", "missing", "unknown", "duplicate"],
)
def test_graph_order_problems_explain_what_is_wrong(expected: list[str], fragment: str) -> None:
    problems = graph.order_problems({"api": {"data"}, "data": set()}, expected)
    assert any(fragment in p for p in problems), problems


def test_graph_order_problems_accept_any_valid_order() -> None:
    requires = {"api": {"data", "queue"}, "data": set(), "queue": set()}
    assert graph.order_problems(requires, ["queue", "data", "api"]) == []
    assert graph.order_problems(requires, ["data", "queue", "api"]) == []


def test_graph_waves_diff_line_by_line() -> None:
    diff = graph.waves_diff([["a", "b"], ["c"]], [["a"], ["b", "c"]])
    assert diff == [
        "wave 1: expected [a, b], computed [a]",
        "wave 2: expected [c], computed [b, c]",
    ]
    assert graph.waves_diff([["b", "a"]], [["a", "b"]]) == []


def _resolver(template: dict[str, Any] | None = None) -> Resolver:
    return Resolver(template or {}, "Orders", region="eu-west-1")


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        ("plain", "plain"),
        ({"Ref": "AWS::StackName"}, "Orders"),
        ({"Ref": "AWS::Region"}, "eu-west-1"),
        ({"Fn::Sub": "${AWS::StackName}-Bucket"}, "Orders-Bucket"),
        ({"Fn::Sub": ["${Env}-${Name}", {"Name": "Table"}]}, "prod-Table"),
        ({"Fn::Sub": "${!Literal}-x"}, "${Literal}-x"),
        ({"Fn::Join": ["-", [{"Ref": "Env"}, "Queue"]]}, "prod-Queue"),
        ({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "b"),
        ({"Fn::GetAtt": ["Bucket", "Arn"]}, None),
        ({"Fn::Sub": "${Bucket.Arn}/x"}, None),
        ({"Ref": "NoDefault"}, None),
        ({"Ref": "AWS::AccountId"}, None),
    ],
)
def test_resolver_evaluates_what_the_template_alone_determines(
    expr: Any, value: str | None
) -> None:
    template = {"Parameters": {"Env": {"Type": "String", "Default": "prod"}, "NoDefault": {}}}
    assert _resolver(template).text(expr) == value


def test_template_exports_and_imports_are_resolved() -> None:
    template = {
        "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "DependsOn": "Role",
                "Metadata": {"aws:cdk:path": "Api/Fn/Resource"},
                "Properties": {
                    "Environment": {
                        "Variables": {
                            "A": {"Fn::ImportValue": {"Fn::Sub": "${Env}-Bucket"}},
                            "B": {"Fn::ImportValue": {"Fn::GetAtt": ["X", "Y"]}},
                        }
                    }
                },
            },
            "Role": {"Type": "AWS::IAM::Role"},
        },
        "Outputs": {
            "Url": {
                "Value": {"Ref": "Fn"},
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-Url"}},
            }
        },
    }
    stack = stack_from_template(template, "Api")
    assert stack.exports == {"Api-Url": "Url"}
    assert [(i.name, i.path) for i in stack.imports] == [
        ("dev-Bucket", "Resources/Fn/Properties/Environment/Variables/A"),
        (None, "Resources/Fn/Properties/Environment/Variables/B"),
    ]
    fn = stack.resources["Fn"]
    assert (fn.type, fn.depends_on, fn.cdk_path, fn.service) == (
        "AWS::Lambda::Function",
        ["Role"],
        "Api/Fn/Resource",
        "lambda",
    )


def test_models_stack_region_from_environment() -> None:
    assert Stack(name="a", artifact_id="a", environment="aws://123/eu-west-1").region == "eu-west-1"
    agnostic = Stack(name="a", artifact_id="a", environment="aws://unknown-account/unknown-region")
    assert agnostic.region is None


def test_models_graph_and_deployment_use_deployment_order() -> None:
    deps = [Dependency(stack="api", on="data", via="import", export="x")]
    stack_graph = StackGraph(stacks=["api", "data"], dependencies=deps)
    assert stack_graph.waves() == [["data"], ["api"]]
    assert stack_graph.teardown_waves() == [["api"], ["data"]]
    api = Stack(
        name="api",
        artifact_id="api",
        resources={"F": Resource(logical_id="F", type="AWS::Lambda::Function")},
    )
    data = Stack(
        name="data",
        artifact_id="data",
        resources={"B": Resource(logical_id="B", type="AWS::S3::Bucket")},
    )
    deployment = Deployment(id="d1", source="test", stacks=[api, data], graph=stack_graph)
    assert [(s.name, r.logical_id) for s, r in deployment.resources()] == [
        ("data", "B"),
        ("api", "F"),
    ]
    with pytest.raises(ValueError, match="extra"):
        Resource.model_validate({"logical_id": "x", "type": "t", "bogus": 1})


def test_analysis_cycle_through_imports_and_manifest() -> None:
    analysis = analyse(read_assembly(DATA / "cycle"))
    assert analysis.graph.cycles() == [["Alpha", "Beta", "Gamma", "Alpha"]]
    # the manifest orders Alpha after Beta after Gamma, but nothing puts Alpha before Gamma
    assert [(m["stack"], m["needs"]) for m in analysis.missing_dependencies] == [("Gamma", "Alpha")]


def test_analysis_drops_asset_manifests_and_finds_missing_dependencies() -> None:
    assembly = read_assembly(DATA / "missing")
    assert assembly.names() == ["Data", "Cache", "Worker", "Api"]  # no assets, no tree
    assert assembly.stack("Data") is not None
    assert assembly.stack("Data").depends_on == []  # type: ignore[union-attr]
    analysis = analyse(assembly)
    # Worker is ordered after Data through Cache; Api is not ordered at all
    assert analysis.missing_dependencies == [
        {
            "stack": "Api",
            "needs": "Data",
            "export": "Data-Bucket",
            "path": "Resources/Param0/Properties/Value",
        }
    ]
    assert analysis.graph.waves() == [["Data"], ["Api", "Cache"], ["Worker"]]
    vias = {(d.stack, d.on, d.via) for d in analysis.graph.dependencies}
    assert ("Api", "Data", "import") in vias and ("Worker", "Data", "import") in vias
    assert ("Cache", "Data", "manifest") in vias


def test_analysis_external_unresolved_and_duplicate_exports() -> None:
    def stack(name: str, exports: list[str], imports: list[Any]) -> Stack:
        template: dict[str, Any] = {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}, "Outputs": {}}
        for i, export in enumerate(exports):
            template["Outputs"][f"O{i}"] = {"Value": "v", "Export": {"Name": export}}
        for i, imp in enumerate(imports):
            template["Resources"][f"P{i}"] = {
                "Type": "AWS::SSM::Parameter",
                "Properties": {"Value": {"Fn::ImportValue": imp}},
            }
        return stack_from_template(template, name)

    assembly = Assembly(
        source="templates",
        origin="test",
        stacks=[
            stack("a", ["shared"], []),
            stack("b", ["shared"], ["elsewhere", {"Fn::GetAtt": ["X", "Y"]}]),
        ],
    )
    analysis = analyse(assembly)
    assert analysis.duplicate_exports == [{"export": "shared", "stacks": ["a", "b"]}]
    assert [e["export"] for e in analysis.external_imports] == ["elsewhere"]
    assert analysis.unresolved_imports[0]["expression"] == {"Fn::GetAtt": ["X", "Y"]}
    assert analysis.missing_dependencies == []  # templates have no manifest to lack anything


def test_assembly_reads_nested_stage_assemblies_and_stack_names(tmp_path: Path) -> None:
    import json

    def write(directory: Path, artifacts: dict[str, Any], templates: dict[str, Any]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "manifest.json").write_text(
            json.dumps({"version": "38.0.1", "artifacts": artifacts})
        )
        for name, template in templates.items():
            (directory / name).write_text(json.dumps(template))

    topic = {"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}
    write(
        tmp_path / "assembly-Prod",
        {
            "ProdData": {
                "type": "aws:cloudformation:stack",
                "environment": "aws://111111111111/eu-west-1",
                "properties": {"templateFile": "ProdData.template.json", "stackName": "prod-data"},
            }
        },
        {"ProdData.template.json": topic},
    )
    write(
        tmp_path,
        {
            "Tool": {
                "type": "aws:cloudformation:stack",
                "properties": {"templateFile": "Tool.template.json"},
            },
            "assembly-Prod": {
                "type": "cdk:cloud-assembly",
                "properties": {"directoryName": "assembly-Prod"},
            },
        },
        {"Tool.template.json": topic},
    )
    assembly = read_assembly(tmp_path)
    assert assembly.names() == ["Tool", "prod-data"]
    prod = assembly.stack("prod-data")
    assert prod is not None and prod.artifact_id == "ProdData" and prod.region == "eu-west-1"


def test_assembly_errors_name_the_file(tmp_path: Path) -> None:
    from assay.checks.stacks.templates import SourceError

    with pytest.raises(SourceError, match="not a cloud assembly"):
        read_assembly(tmp_path)
    (tmp_path / "manifest.json").write_text(
        '{"artifacts": {"A": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "A.json"}}}}'
    )
    with pytest.raises(SourceError, match=r"A.json: template of stack 'A' not found"):
        read_assembly(tmp_path)
    (tmp_path / "A.json").write_text('{"Resources": "none"}')
    with pytest.raises(SourceError, match="no 'Resources' mapping"):
        read_assembly(tmp_path)
    (tmp_path / "manifest.json").write_text('{"artifacts": {}}')
    with pytest.raises(SourceError, match="the assembly has no stacks"):
        read_assembly(tmp_path)
