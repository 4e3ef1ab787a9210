"""The whole stack cycle of examples/cdk-app against embedded moto, phase by phase, and
deploy + destroy against plain boto3.

    python bench/stack_cycle.py [--repeat R] [--assembly CDK_OUT]

1. **The cycle** — the example's own suite (examples/cdk-app/suite.yaml) loaded and run once
   through the engine, on the embedded default: synth (CDK synthesis in process, cfn-lint),
   order, inventory, deploy, verify (the ``aws.*`` checks), destroy, completeness. Each phase is
   the sum of its steps' durations; the total is the wall time of loading and running the
   suite, against the issue's target of 30 s (the seed allowed 30 minutes for a real
   deployment test). ``--assembly`` runs the same suite on an existing cloud assembly instead
   of the app (no synthesis: its phase is then reading and linting).
2. **Deploy + destroy against boto3** — R rounds, alternating who goes first, each side on
   one shared embedded server and each round in fresh regions: assay runs a suite of
   ``stacks.deploy`` and ``stacks.destroy`` on the synthesised assembly (loading apart);
   the baseline is plain boto3 doing the same work as simply as it can be done: reading the
   templates, ``create_stack`` per stack with the stacks of a wave in threads and the
   ``stack_create_complete`` waiter; then per stack in reverse waves listing its resources,
   emptying its bucket, ``delete_stack``, ``stack_delete_complete``, and one listing per
   resource type to see that nothing outlived the stack (what ``stacks.destroy`` verifies).
   Both sides create their clients inside the timing.

The last line is ``ratio: X.XX``, baseline seconds / assay seconds (the median of the paired
rounds; 1.00 means assay costs nothing on top of the calls). Exits non-zero only when
something went wrong (a step that did not pass, a stack left behind), never for a slow figure.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import yaml

import assay.checks  # noqa: F401  (registers the check kinds)
from assay.checks.aws.buckets import empty_bucket
from assay.checks.aws.embedded import EmbeddedMoto
from assay.checks.stacks.target import StacksSettings, StacksTarget
from assay.config.loader import load_suite
from assay.core.results import RunResult, Status
from assay.engine import RunOptions, run_suites

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cdk-app"
TARGET_SECONDS = 30.0
SEED_SECONDS = 30 * 60.0
PHASES = {
    "stacks.synth": "synth",
    "stacks.order": "order",
    "stacks.inventory": "inventory",
    "stacks.deploy": "deploy",
    "stacks.destroy": "destroy",
    "stacks.rollback_complete": "completeness",
}
REGIONS = [  # one pair per round, so that no round sees another's stacks
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "sa-east-1",
    "us-west-1",
    "us-west-2",
    "us-east-2",
    "eu-south-1",
]


def synthesise() -> Path:
    """The example app's cloud assembly, synthesised once into a kept temporary directory."""
    settings = StacksSettings.model_validate({"type": "stacks", "app": str(EXAMPLE)})
    target = StacksTarget("bench", settings)
    try:
        directory = target.assembly().directory
        assert directory is not None
        copy = Path(tempfile.mkdtemp(prefix="assay-bench-cdk-")) / "cdk.out"
        shutil.copytree(directory, copy)
        return copy
    finally:
        target.close()


def _failed(result: RunResult) -> list[str]:
    bad = [r for r in result.results if r.status is not Status.PASSED]
    return [f"{r.id} {r.kind}: {r.message}" for r in bad]


def cycle(workdir: Path, assembly: Path | None) -> dict[str, float]:
    """The example's suite, once, through load_suite and run_suites; phase -> seconds."""
    suite = yaml.safe_load((EXAMPLE / "suite.yaml").read_text())
    target = suite["targets"]["app"]
    if assembly is None:
        target["app"] = str(EXAMPLE / "app.py")
    else:
        target.pop("app"), target.pop("context", None)
        target["assembly"] = str(assembly)
    path = workdir / "cycle.yaml"
    path.write_text(yaml.safe_dump(suite, sort_keys=False))
    started = time.perf_counter()
    loaded = load_suite(path)
    result = run_suites([loaded], RunOptions())
    total = time.perf_counter() - started
    if _failed(result):
        raise SystemExit("the cycle did not pass: " + "; ".join(_failed(result)))
    phases = {name: 0.0 for name in [*PHASES.values(), "verify"]}
    for step in result.results:
        phases[PHASES.get(step.kind, "verify")] += step.duration
    phases["checks"] = float(sum(1 for r in result.results if r.kind.startswith("aws.")))
    phases["total"] = total
    return phases


def assay_round(workdir: Path, assembly: Path, url: str, region: str) -> float:
    """Deploy and destroy through the engine; seconds of run_suites (loading apart)."""
    path = workdir / f"round-{region}.yaml"
    path.write_text(
        f"""\
targets:
  app:
    type: stacks
    assembly: "{assembly}"
    endpoint: "{url}"
    region: {region}
    credentials: {{bench: {{access_key: bench, secret_key: bench-secret}}}}
groups:
  - name: cycle
    before: [{{stacks.deploy: {{change_sets: never}}}}]  # a moto URL: its change sets lose outputs
    after: [{{stacks.destroy: {{}}}}]
"""
    )
    suite = load_suite(path)
    gc.collect()
    started = time.perf_counter()
    result = run_suites([suite], RunOptions())
    seconds = time.perf_counter() - started
    if _failed(result):
        raise SystemExit("assay's round did not pass: " + "; ".join(_failed(result)))
    return seconds


def boto3_round(assembly: Path, url: str, region: str, waves: list[list[str]]) -> float:
    """The same deployment and teardown in plain boto3; seconds."""
    gc.collect()
    started = time.perf_counter()
    session = boto3.session.Session(
        aws_access_key_id="bench", aws_secret_access_key="bench-secret", region_name=region
    )
    cfn = session.client("cloudformation", endpoint_url=url)
    s3 = session.client("s3", endpoint_url=url)
    bodies = {
        name: (assembly / f"{name}.template.json").read_text() for wave in waves for name in wave
    }

    def create(name: str) -> None:
        cfn.create_stack(
            StackName=name,
            TemplateBody=bodies[name],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        cfn.get_waiter("stack_create_complete").wait(StackName=name)

    def delete(name: str) -> list[str]:
        made = []
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
            for resource in page["StackResourceSummaries"]:
                made.append((resource["ResourceType"], resource.get("PhysicalResourceId")))
                if resource["ResourceType"] == "AWS::S3::Bucket":
                    empty_bucket(s3, resource["PhysicalResourceId"])
        cfn.delete_stack(StackName=name)
        cfn.get_waiter("stack_delete_complete").wait(StackName=name)
        return leftovers(session, url, made)

    for wave in waves:
        with cf.ThreadPoolExecutor(len(wave)) as pool:
            list(pool.map(create, wave))
    left = []
    for wave in reversed(waves):
        with cf.ThreadPoolExecutor(len(wave)) as pool:
            left += [key for found in pool.map(delete, wave) for key in found]
    seconds = time.perf_counter() - started
    if left:
        raise SystemExit(f"boto3's round left {', '.join(left)}")
    return seconds


LISTINGS = {  # CloudFormation type -> (service, operation, key, field or None): one call each
    "AWS::S3::Bucket": ("s3", "list_buckets", "Buckets", "Name"),
    "AWS::DynamoDB::Table": ("dynamodb", "list_tables", "TableNames", None),
    "AWS::SQS::Queue": ("sqs", "list_queues", "QueueUrls", None),
    "AWS::SNS::Topic": ("sns", "list_topics", "Topics", "TopicArn"),
    "AWS::IAM::Role": ("iam", "list_roles", "Roles", "RoleName"),
    "AWS::Lambda::Function": ("lambda", "list_functions", "Functions", "FunctionName"),
}


def _last(ident: str) -> str:
    return ident.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def leftovers(session: Any, url: str, made: list[tuple[str, str | None]]) -> list[str]:
    """What a deleted stack's resources left, each type listed once (what destroy checks)."""
    left = []
    for kind in sorted({k for k, ident in made if k in LISTINGS and ident}):
        service, operation, key, item = LISTINGS[kind]
        listed = getattr(session.client(service, endpoint_url=url), operation)().get(key) or []
        names = {_last(i[item] if item else i) for i in listed}
        left += [f"{kind}:{i}" for k, i in made if k == kind and i and _last(i) in names]
    return left


def compare(workdir: Path, assembly: Path, repeat: int) -> dict[str, Any]:
    """R alternating rounds of assay and boto3 on one embedded server."""
    waves = [["AssayData", "AssayMessaging"], ["AssayApi"]]
    moto = EmbeddedMoto()
    try:
        # warm-up: moto's backends, botocore's models and assay's readers load once
        boto3_round(assembly, moto.url, REGIONS[-1], waves)
        assay_round(workdir, assembly, moto.url, REGIONS[-2])
        rounds = []
        for i in range(repeat):
            pool = len(REGIONS) - 2  # the last two are the warm-up's
            regions = {"boto3": REGIONS[2 * i % pool], "assay": REGIONS[(2 * i + 1) % pool]}
            sides = {
                "boto3": lambda r=regions["boto3"]: boto3_round(assembly, moto.url, r, waves),
                "assay": lambda r=regions["assay"]: assay_round(workdir, assembly, moto.url, r),
            }
            order = ["boto3", "assay"] if i % 2 == 0 else ["assay", "boto3"]
            times = {name: sides[name]() for name in order}
            rounds.append({"first": order[0], **times, "ratio": times["boto3"] / times["assay"]})
        check_clean(moto.url)
        return {
            "rounds": rounds,
            "boto3": statistics.median(r["boto3"] for r in rounds),
            "assay": statistics.median(r["assay"] for r in rounds),
            "ratio": statistics.median(r["ratio"] for r in rounds),
        }
    finally:
        moto.stop()


def check_clean(url: str) -> None:
    """No round may leave a stack behind."""
    for region in REGIONS:
        cfn = boto3.client(
            "cloudformation",
            endpoint_url=url,
            region_name=region,
            aws_access_key_id="bench",
            aws_secret_access_key="bench-secret",
        )
        left = [
            s["StackName"]
            for s in cfn.list_stacks()["StackSummaries"]
            if s["StackStatus"] != "DELETE_COMPLETE"
        ]
        if left:
            raise SystemExit(f"stacks left behind in {region}: {', '.join(left)}")


def measure(repeat: int = 3, assembly: Path | None = None) -> dict[str, Any]:
    """Both parts; ``assembly`` skips synthesis (the cycle then reads that assembly)."""
    workdir = Path(tempfile.mkdtemp(prefix="assay-bench-stacks-"))
    own = assembly is None
    try:
        figures: dict[str, Any] = {"cycle": cycle(workdir, assembly), "synthesised": own}
        built = synthesise() if own else assembly
        assert built is not None
        try:
            figures["compare"] = compare(workdir, built, repeat)
        finally:
            if own:
                shutil.rmtree(built.parent, ignore_errors=True)
        return figures
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(figures: dict[str, Any]) -> list[str]:
    c = figures["cycle"]
    what = "CDK synthesis in process + cfn-lint" if figures["synthesised"] else "read + cfn-lint"
    lines = [
        "assay stack cycle benchmark (examples/cdk-app: 3 stacks, 2 waves, embedded moto)",
        "the cycle, through assay (examples/cdk-app/suite.yaml, one run):",
        f"  synth         {c['synth']:7.3f} s   {what} of 3 templates",
        f"  order         {c['order']:7.3f} s   dependency graph, waves, expected orders",
        f"  inventory     {c['inventory']:7.3f} s   the account before (server start included)",
        f"  deploy        {c['deploy']:7.3f} s   3 stacks in 2 waves",
        f"  verify        {c['verify']:7.3f} s   {int(c['checks'])} aws.* checks",
        f"  destroy       {c['destroy']:7.3f} s   reverse waves, bucket emptied",
        f"  completeness  {c['completeness']:7.3f} s   the account after, compared",
    ]
    steps = sum(c[k] for k in ("synth", "order", "inventory", "deploy", "verify", "destroy"))
    steps += c["completeness"]
    outside = c["total"] - steps
    total = c["total"]
    lines.append(f"  total         {total:7.3f} s   load + run ({outside:.3f} s outside steps)")
    met = "met" if c["total"] < TARGET_SECONDS else "MISSED"
    lines.append(
        f"target:         < {TARGET_SECONDS:.0f} s end to end ......... {met} "
        f"({c['total']:.1f} s; the seed allowed {SEED_SECONDS / 60:.0f} min for a real deployment,"
        f" {SEED_SECONDS / c['total']:.0f} x this)"
    )
    cmp_ = figures["compare"]
    lines.append(
        f"deploy + destroy: assay against plain boto3 (create_stack, waiters, delete_stack), "
        f"{len(cmp_['rounds'])} rounds:"
    )
    for i, r in enumerate(cmp_["rounds"], 1):
        lines.append(
            f"  round {i} ({r['first']} first)  boto3 {r['boto3']:6.3f} s   "
            f"assay {r['assay']:6.3f} s   ratio {r['ratio']:.2f}"
        )
    lines.append(f"boto3 baseline:  median {cmp_['boto3']:.3f} s")
    lines.append(f"assay:           median {cmp_['assay']:.3f} s (run_suites, loading apart)")
    lines.append(f"ratio: {cmp_['ratio']:.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="alternating deploy/destroy rounds")
    parser.add_argument(
        "--assembly", type=Path, help="an existing cloud assembly of the example (no synthesis)"
    )
    args = parser.parse_args(argv)
    for line in report(measure(args.repeat, args.assembly)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
