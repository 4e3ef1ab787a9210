"""``terraform.state``: what the state file says Terraform made is there, and as it says.

Every managed instance of a type assay knows (``aws_s3_bucket``, ``aws_dynamodb_table``,
``aws_sqs_queue``, ``aws_sns_topic``, ``aws_iam_role``, ``aws_iam_policy``,
``aws_lambda_function``, ``aws_cloudwatch_log_group``, ``aws_ssm_parameter``,
``aws_cloudformation_stack``) is described with the aws family's describers, by its ``id``,
in its region. A missing one fails the step; so does drift in the attributes compared: by
default every attribute ``ATTRIBUTES`` maps for the type onto the description, or the ones
``attributes`` names; ``paths`` maps more. Values are compared as data: ``30`` equals
``"30"``, JSON documents (policies) are compared parsed, and empty equals absent. ``tags``
compares ``tags_all`` when the state has it (provider default tags included), as AWS holds them.
Sensitive attributes are compared but never shown (nor compared when assay does not read them
back, as a SecureString's value). Types assay cannot describe are listed.
"""

from __future__ import annotations

import concurrent.futures as cf
import fnmatch
import json
import time
from typing import Any, Literal

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import Field, field_validator, model_validator

from assay.checks.aws import resources
from assay.checks.aws.errors import AWS_ERRORS, ErrorAnswer, error_line, from_exception
from assay.checks.aws.resources import NotFound
from assay.checks.terraform.attributes import ATTRIBUTES, normal, state_value
from assay.checks.terraform.state_file import Instance
from assay.checks.terraform.target import TerraformKind, TerraformTarget
from assay.config.models import StrictModel
from assay.core.checks import CheckCall, Observation
from assay.core.registry import suggest
from assay.core.secrets import register as register_secret

SENSITIVE = "(sensitive value)"


class StateParams(StrictModel):
    resources: list[str] = Field(
        default_factory=list, description="Only these addresses (globs); default: all managed."
    )
    ignore: list[str] = Field(default_factory=list, description="Addresses to leave out (globs).")
    attributes: dict[str, list[str]] | None = Field(
        None,
        description="Attributes to compare per Terraform type ('*': every type), e.g. "
        "{aws_sqs_queue: [visibility_timeout_seconds], '*': [tags]}; default: all mapped. "
        "[] compares none (existence only).",
    )
    paths: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="More mappings: {type: {attribute: JMESPath into the description}}.",
    )
    unknown_types: Literal["warn", "fail"] = Field(
        "warn", description="Managed resources of a type assay cannot describe."
    )

    @field_validator("paths")
    @classmethod
    def _compile(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for kind, mapping in value.items():
            for attribute, path in mapping.items():
                try:
                    jmespath.compile(path)
                except JMESPathError as exc:
                    raise ValueError(
                        f"paths.{kind}.{attribute}: invalid JMESPath '{path}': "
                        f"{str(exc).splitlines()[0]}"
                    ) from None
        return value

    @model_validator(mode="after")
    def _mapped(self) -> StateParams:
        types = sorted({*ATTRIBUTES, *self.paths})
        for kind, names in (self.attributes or {}).items():
            if kind != "*" and kind not in types:
                raise ValueError(
                    f"attributes: no mapping of Terraform type '{kind}'{suggest(kind, types)}; "
                    "map its attributes under 'paths'"
                )
            kinds = types if kind == "*" else [kind]
            known = sorted({a for k in kinds for a in self.mapping(k)})
            for name in names:
                if name not in known:
                    where = "any type" if kind == "*" else kind
                    raise ValueError(
                        f"attributes: '{name}' of {where} maps to nothing in assay's "
                        f"description{suggest(name, known)} (known: {', '.join(known)}); "
                        "map it under 'paths'"
                    )
        return self

    def mapping(self, kind: str) -> dict[str, str]:
        return {**ATTRIBUTES.get(kind, {}), **self.paths.get(kind, {})}

    def compared(self, kind: str) -> dict[str, str]:
        """Attribute -> path of the attributes compared for ``kind``."""
        mapping = self.mapping(kind)
        if self.attributes is None:
            return mapping
        names = [*self.attributes.get("*", []), *self.attributes.get(kind, [])]
        return {n: mapping[n] for n in names if n in mapping}


def _shown(value: Any, secret: bool) -> Any:
    if secret:
        return SENSITIVE
    text = json.dumps(value, default=str, sort_keys=True)
    return value if len(text) <= 120 else text[:117] + "..."


def check_instance(clients: Any, instance: Instance, compared: dict[str, str]) -> dict[str, Any]:
    """One instance's verdict: verified, missing, drift, unknown_type or unreadable."""
    found = resources.lookup(instance.type)
    entry: dict[str, Any] = {
        "address": instance.address,
        "type": instance.type,
        "id": instance.id,
        "region": instance.region,
    }
    if instance.status:
        entry["tainted"] = instance.status == "tainted"
    if found is None:
        return {**entry, "result": "unknown_type"}
    if instance.id is None:
        return {**entry, "result": "unreadable", "reason": "the state records no id"}
    try:
        description = found.describe(clients, instance.id, False)
    except NotFound as exc:
        return {**entry, "result": "missing", "reason": str(exc)}
    except ErrorAnswer as exc:
        return {**entry, "result": "unreadable", "reason": error_line(exc, found.service)}
    drift = []
    for attribute, path in sorted(compared.items()):
        want, have = state_value(instance, attribute), jmespath.search(path, description)
        secret = attribute in instance.sensitive
        if secret and have is None:
            continue  # never read back (a SecureString's value): nothing to compare
        if normal(want) != normal(have):
            drift.append(
                {
                    "attribute": attribute,
                    "state": _shown(want, secret),
                    "live": _shown(have, secret),
                }
            )
    return {**entry, "result": "drift" if drift else "verified", "drift": drift}


def _line(entry: dict[str, Any]) -> str:
    if entry["result"] == "missing":
        return f"missing: {entry['address']} (id {entry['id']})"
    if entry["result"] == "drift":
        shown = "; ".join(
            f"{d['attribute']}: state {json.dumps(d['state'], default=str)}, "
            f"live {json.dumps(d['live'], default=str)}"
            for d in entry["drift"]
        )
        return f"drift: {entry['address']} ({shown})"
    if entry["result"] == "unknown_type":
        return f"not verified: {entry['address']} (assay cannot describe {entry['type']})"
    return f"not verified: {entry['address']} ({entry.get('reason')})"


def _chosen(address: str, p: StateParams) -> bool:
    if p.resources and not any(fnmatch.fnmatchcase(address, g) for g in p.resources):
        return False
    return not any(fnmatch.fnmatchcase(address, g) for g in p.ignore)


class TerraformState(TerraformKind[StateParams]):
    name = "terraform.state"
    description = (
        "The state file's resources exist in the account, with the attributes it records "
        "(missing ones and drift fail)."
    )
    params_model = StateParams

    def check(self, target: TerraformTarget, p: StateParams, call: CheckCall) -> Observation:
        started = time.perf_counter()
        state = target.state()  # a file that is not a state raises StateError: an ERROR result
        chosen = [i for i in state.instances if i.deposed is None and _chosen(i.address, p)]
        for instance in chosen:
            for name in instance.sensitive:
                value = instance.attributes.get(name)
                if isinstance(value, str | int | float) and str(value):
                    register_secret(str(value))

        def one(instance: Instance) -> dict[str, Any]:
            clients = target.clients(call.credential, instance.region)
            return check_instance(clients, instance, p.compared(instance.type))

        try:
            with cf.ThreadPoolExecutor(8, thread_name_prefix="assay-tfstate") as pool:
                entries = list(pool.map(one, chosen))
        except AWS_ERRORS as exc:
            return from_exception(exc, "AWS")
        return self._observation(state.summary(), entries, p, started)

    @staticmethod
    def _observation(
        summary: dict[str, Any], entries: list[dict[str, Any]], p: StateParams, started: float
    ) -> Observation:
        counts: dict[str, int] = {}
        for entry in entries:
            counts[entry["result"]] = counts.get(entry["result"], 0) + 1
        data = {"state": summary, "resources": entries, "counts": counts}
        timings = {"total": time.perf_counter() - started}
        bad = {"missing", "drift"} | ({"unknown_type"} if p.unknown_types == "fail" else set())
        failing = [e for e in entries if e["result"] in bad]
        if failing:
            code = (
                "ResourcesMissing"
                if counts.get("missing")
                else "Drift"
                if counts.get("drift")
                else "UnknownTypes"
            )
            return Observation(
                success=False,
                error_code=code,
                message=f"{len(failing)} of {len(entries)} resources not as the state records: "
                + "; ".join(_line(e) for e in failing),
                data=data,
                timings=timings,
            )
        shown = ", ".join(f"{n} {result}" for result, n in sorted(counts.items()))
        return Observation(
            success=True,
            message=f"{len(entries)} resources: {shown or 'none'}",
            data=data,
            timings=timings,
        )
