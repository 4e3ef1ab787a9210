"""Time of an account inventory (checks/aws/inventory.py) against listing alone, on embedded moto.

    python bench/aws_inventory.py [--per-type N] [--repeat R]

Arranges N resources of each of six types (buckets with an object, tables, queues, topics,
log groups, parameters) on one embedded moto server, then alternates R times:

* listing: the baseline, plain boto3 List*/Describe* pages of every inventoried service, no
  per-resource calls: the least any inventory must do;
* inventory (1 worker) and inventory (8 workers): ``inventory.take`` of every service, each
  resource described and fingerprinted.

Reported: the median of each, inventory/listing ratios, milliseconds per resource, and the
time of ``diff`` between two inventories. Clients are created before timing (an inventory's
first call of a service loads its model, once per process). Exits non-zero only when
something went wrong (an inventory that misses a resource), never for a slow figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3

from assay.checks.aws import inventory
from assay.checks.aws.embedded import EmbeddedMoto
from assay.checks.aws.resources.base import pages

LISTINGS = [  # (service, paginated operation, key) covering every inventoried type
    ("s3", None, None),
    ("dynamodb", "list_tables", "TableNames"),
    ("sqs", "list_queues", "QueueUrls"),
    ("sns", "list_topics", "Topics"),
    ("iam", "list_roles", "Roles"),
    ("iam", "list_policies", "Policies"),
    ("lambda", "list_functions", "Functions"),
    ("logs", "describe_log_groups", "logGroups"),
    ("ssm", "describe_parameters", "Parameters"),
    ("cloudformation", "list_stacks", "StackSummaries"),
]


def clients_for(url: str) -> Callable[[str], Any]:
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            made[service] = boto3.client(
                service,
                endpoint_url=url,
                region_name="us-east-1",
                aws_access_key_id="bench",
                aws_secret_access_key="bench-secret",
            )
        return made[service]

    return client


def arrange(client: Callable[[str], Any], per_type: int) -> set[str]:
    """N resources of six types; returns their inventory keys."""
    run = uuid.uuid4().hex[:8]
    keys = set()
    for i in range(per_type):
        name = f"bench-{run}-{i}"
        client("s3").create_bucket(Bucket=name)
        client("s3").put_object(Bucket=name, Key="k", Body=b"x")
        client("dynamodb").create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
        client("sqs").create_queue(QueueName=name)
        client("sns").create_topic(Name=name)
        client("logs").create_log_group(logGroupName=f"/{name}")
        client("ssm").put_parameter(Name=f"/{name}", Value="v", Type="String")
        keys |= {
            f"s3.bucket:{name}",
            f"dynamodb.table:{name}",
            f"sqs.queue:{name}",
            f"sns.topic:{name}",
            f"logs.log_group:/{name}",
            f"ssm.parameter:/{name}",
        }
    return keys


def listing(client: Callable[[str], Any]) -> int:
    """Every page of every listing; returns how many items they named."""
    count = 0
    for service, operation, key in LISTINGS:
        if operation is None:
            count += len(client(service).list_buckets()["Buckets"])
        else:
            count += sum(1 for _ in pages(client(service), operation, key))
    return count


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def measure(per_type: int, repeat: int) -> dict[str, float]:
    """Arrange, warm up, then time each side ``repeat`` times, alternating their order."""
    moto = EmbeddedMoto()
    try:
        client = clients_for(moto.url)
        keys = arrange(client, per_type)
        first = inventory.take(client)  # warm-up: every model loaded, every client made
        missing = keys - set(first.entries)
        if missing:
            raise SystemExit(f"inventory missed {sorted(missing)[:3]}...")
        sides: dict[str, Callable[[], Any]] = {
            "listing": lambda: listing(client),
            "inventory_1": lambda: inventory.take(client, workers=1),
            "inventory_8": lambda: inventory.take(client, workers=8),
        }
        times: dict[str, list[float]] = {name: [] for name in sides}
        last: Any = first
        for round_ in range(repeat):
            order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
            for name in order:
                seconds, value = timed(sides[name])
                times[name].append(seconds)
                if name != "listing":
                    last = value
        diff_seconds, found = timed(lambda: inventory.diff(first, last))
        if not found.clean:
            raise SystemExit(f"two inventories of an untouched account differ: {found.lines()}")
        figures = {name: statistics.median(values) for name, values in times.items()}
        figures["resources"] = float(len(last))
        figures["diff"] = diff_seconds
        return figures
    finally:
        moto.stop()


def report(figures: dict[str, float]) -> list[str]:
    resources = int(figures["resources"])
    base = figures["listing"]
    lines = [f"resources in the account: {resources}"]
    lines.append(f"listing only (baseline):  {base * 1000:8.1f} ms")
    for workers in (1, 8):
        seconds = figures[f"inventory_{workers}"]
        lines.append(
            f"inventory, {workers} worker{'s' if workers > 1 else ' '}:   {seconds * 1000:8.1f} ms"
            f"  = {seconds / base:5.1f} x listing, {seconds * 1000 / max(resources, 1):6.2f} ms"
            " per resource"
        )
    lines.append(f"diff of two inventories:  {figures['diff'] * 1000:8.1f} ms")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-type", type=int, default=20, help="resources of each type")
    parser.add_argument("--repeat", type=int, default=3, help="alternating rounds")
    args = parser.parse_args(argv)
    for line in report(measure(args.per_type, args.repeat)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
