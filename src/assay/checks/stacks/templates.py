"""CloudFormation templates: reading them (JSON or YAML with short-form tags) into ``Stack``s.

Templates are decoded by cfn-lint's decoder, which knows ``!Ref``/``!Sub``/``!ImportValue``
and reports malformed files with a line. Export and import names are resolved as far as the
template alone allows: literals, ``Ref`` to pseudo parameters and to parameters with a
default, ``Fn::Sub``, ``Fn::Join``, ``Fn::Select`` and ``Fn::Split``; anything else (a
``GetAtt``, an unknown region) leaves the name unresolved, and the reports say so.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assay.checks.stacks.models import Import, Output, Resource, Stack
from assay.core.errors import AssayError

_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
# cfn-lint logs every parse problem at ERROR; assay reports them itself, with the file
logging.getLogger("cfnlint").setLevel(logging.CRITICAL)


class SourceError(AssayError):
    """A template, assembly or CDK app that cannot be read; the message names the file.

    ``code`` is the error code a check reports: ``InvalidTemplate`` for files that do not
    parse or make no sense, ``SynthFailed`` for a CDK app that does not synthesise.
    """

    def __init__(self, message: str, code: str = "InvalidTemplate") -> None:
        super().__init__(message)
        self.code = code


def display(path: Path | str) -> str:
    """A path as a user would type it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _plain(value: Any) -> Any:
    """cfn-lint's decoder returns str/dict subclasses with marks; keep plain JSON values."""
    return json.loads(json.dumps(value, default=str))


def read_template(path: Path) -> dict[str, Any]:
    """The template in ``path`` as plain data; ``SourceError`` naming file:line if malformed."""
    from cfnlint.decode.decode import decode

    template, matches = decode(str(path))
    where = display(path)
    if matches:
        first = matches[0]
        raise SourceError(
            f"{where}:{first.linenumber}: not a valid template: {first.message.strip()}"
        )
    if not isinstance(template, dict):
        raise SourceError(f"{where}: not a CloudFormation template (expected a mapping)")
    if not isinstance(template.get("Resources"), dict):
        raise SourceError(f"{where}: not a CloudFormation template (no 'Resources' mapping)")
    return dict(_plain(template))


class Resolver:
    """Evaluates the static part of CloudFormation's intrinsic functions for one stack."""

    def __init__(self, template: dict[str, Any], stack: str, region: str | None = None) -> None:
        account = None
        self.refs: dict[str, str | None] = {
            "AWS::StackName": stack,
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        for name, spec in (template.get("Parameters") or {}).items():
            default = spec.get("Default") if isinstance(spec, dict) else None
            self.refs[name] = str(default) if isinstance(default, str | int | float) else None

    def text(self, expr: Any) -> str | None:
        """The string ``expr`` evaluates to, or None when it depends on the deployment."""
        value = self.value(expr)
        return value if isinstance(value, str) else None

    def value(self, expr: Any) -> Any:
        if isinstance(expr, str | int | float) and not isinstance(expr, bool):
            return str(expr)
        if isinstance(expr, list):
            items = [self.value(e) for e in expr]
            return None if any(i is None for i in items) else items
        if not isinstance(expr, dict) or len(expr) != 1:
            return None
        ((fn, arg),) = expr.items()
        if fn == "Ref":
            return self.refs.get(arg) if isinstance(arg, str) else None
        if fn == "Fn::Sub":
            return self._sub(arg)
        if fn == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            parts = self.value(arg[1])
            sep = self.value(arg[0])
            if isinstance(parts, list) and isinstance(sep, str):
                return sep.join(parts)
        if fn == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
            index, items = self.value(arg[0]), self.value(arg[1])
            if isinstance(index, str) and index.isdigit() and isinstance(items, list):
                return items[int(index)] if int(index) < len(items) else None
        if fn == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
            sep, source = self.value(arg[0]), self.value(arg[1])
            if isinstance(sep, str) and isinstance(source, str) and sep:
                return source.split(sep)
        return None

    def _sub(self, arg: Any) -> str | None:
        if isinstance(arg, str):
            text, local = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            text, local = arg[0], arg[1] if isinstance(arg[1], dict) else {}
        else:
            return None
        unresolved = False

        def repl(match: re.Match[str]) -> str:
            nonlocal unresolved
            name = match.group(1).strip()
            value = self.text(local[name]) if name in local else self.refs.get(name)
            if value is None:  # a GetAtt (Res.Attr) or a parameter without a default
                unresolved = True
                return ""
            return value

        out = _SUB_VAR.sub(repl, text).replace("${!", "${")
        return None if unresolved else out


def _walk(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::ImportValue":
                yield path, value
            yield from _walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, (*path, str(i)))


def _depends(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def stack_from_template(
    template: dict[str, Any],
    name: str,
    artifact_id: str | None = None,
    template_file: str | None = None,
    environment: str | None = None,
    depends_on: list[str] | None = None,
    termination_protection: bool = False,
) -> Stack:
    """A ``Stack`` with the template's resources, outputs (exports) and imports."""
    stack = Stack(
        name=name,
        artifact_id=artifact_id or name,
        template_file=template_file,
        environment=environment,
        depends_on=depends_on or [],
        parameters=template.get("Parameters") or {},
        termination_protection=termination_protection,
    )
    resolver = Resolver(template, name, stack.region)
    for logical_id, spec in (template.get("Resources") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        metadata = spec["Metadata"] if isinstance(spec.get("Metadata"), dict) else {}
        stack.resources[logical_id] = Resource(
            logical_id=logical_id,
            type=str(spec.get("Type", "")),
            properties=spec["Properties"] if isinstance(spec.get("Properties"), dict) else {},
            depends_on=_depends(spec.get("DependsOn")),
            cdk_path=metadata.get("aws:cdk:path"),
        )
    for key, spec in (template.get("Outputs") or {}).items():
        spec = spec if isinstance(spec, dict) else {}
        export = spec["Export"] if isinstance(spec.get("Export"), dict) else {}
        expression = export.get("Name")
        stack.outputs[key] = Output(
            key=key,
            value=spec.get("Value"),
            description=spec.get("Description"),
            export_expression=expression,
            export_name=resolver.text(expression) if expression is not None else None,
        )
    for path, expression in _walk(template, ()):
        stack.imports.append(
            Import(name=resolver.text(expression), expression=expression, path="/".join(path))
        )
    return stack
