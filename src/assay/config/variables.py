"""Variable substitution: ``${NAME}``, ``${NAME:-default}``, builtins, and step outputs.

Load time resolves everything but step outputs: ``--var`` values, the suite's ``variables:``,
the environment (in that order of precedence) and the builtins ``${UUID}`` (new per use),
``${TIMESTAMP}``, ``${RANDOM_STRING:n}``, ``${run.id}`` and ``${run.timestamp}``;
``${file:/path}`` is a file's content without its final newline (a Docker or Kubernetes
secret).
References to step outputs (``${inputs.x}``, ``${outputs.x}`` or a bare ``${x}`` naming a
declared output) stay in place and are resolved when the step runs. ``$${`` escapes a literal
``${``.
"""

from __future__ import annotations

import os
import re
import secrets
import string
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assay.core.registry import suggest

PATTERN = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_ALPHABET = string.ascii_lowercase + string.digits
OUTPUT_PREFIXES = ("inputs.", "outputs.")


class VariableError(ValueError):
    """A reference that cannot be resolved; the message names it."""


def new_run_id() -> str:
    """A short id safe inside S3 bucket names (lower-case letters and digits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def random_string(n: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(n))


@dataclass
class Variables:
    """The load-time variable scope of one run."""

    run_id: str = field(default_factory=new_run_id)
    overrides: Mapping[str, str] = field(default_factory=dict)
    defined: Mapping[str, str] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    output_names: set[str] = field(default_factory=set)
    run_timestamp: int = field(default_factory=lambda: int(time.time()))

    def lookup(self, expr: str) -> str | None:
        """Value of one ``${...}`` expression, or None to leave it for run time."""
        name, sep, default = expr.partition(":-")
        name = name.strip()
        if name.startswith(OUTPUT_PREFIXES) or (not sep and name in self.output_names):
            return None
        builtin = self._builtin(name)
        if builtin is not None:
            return builtin
        if not _NAME.match(name):
            raise VariableError(f"invalid variable reference '${{{expr}}}'")
        for scope in (self.overrides, self.defined, self.environ):
            if name in scope:
                return str(scope[name])
        if sep:
            return default
        known = [*self.overrides, *self.defined, *self.output_names]
        hint = suggest(name, known)
        raise VariableError(
            f"undefined variable '${{{name}}}'{hint}: set it in the environment, with "
            f"--var {name}=VALUE, under 'variables:', or give a default as '${{{name}:-value}}'"
        )

    def _builtin(self, name: str) -> str | None:
        if name == "UUID":
            return str(uuid.uuid4())
        if name == "TIMESTAMP":
            return str(int(time.time()))
        if name == "run.id":
            return self.run_id
        if name == "run.timestamp":
            return str(self.run_timestamp)
        if name.startswith("file:"):
            return _file_value(name.removeprefix("file:").strip())
        if name.startswith("RANDOM_STRING"):
            _, _, size = name.partition(":")
            if not size.isdigit() or not 1 <= int(size) <= 1024:
                raise VariableError(
                    f"'${{{name}}}' needs a length from 1 to 1024, e.g. '${{RANDOM_STRING:8}}'"
                )
            return random_string(int(size))
        return None

    def substitute(self, text: str, *, unescape: bool = False) -> str:
        """Resolve load-time references in ``text``."""
        if "${" not in text:
            return text

        def repl(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${" if unescape else "$${"
            value = self.lookup(match.group(1))
            return match.group(0) if value is None else value

        return PATTERN.sub(repl, text)


MAX_FILE_VALUE = 64 * 1024  # a secret, not a document


def _file_value(path: str) -> str:
    """The content of the file a ``${file:/path}`` names, without the final newline."""
    if not path:
        raise VariableError("'${file:}' needs a path, e.g. '${file:/run/secrets/token}'")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_VALUE + 1)
    except OSError as exc:
        raise VariableError(f"'${{file:{path}}}': {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_VALUE:
        raise VariableError(f"'${{file:{path}}}': larger than {MAX_FILE_VALUE} bytes")
    try:
        return data.decode("utf-8").removesuffix("\n").removesuffix("\r")
    except UnicodeDecodeError:
        raise VariableError(f"'${{file:{path}}}': not UTF-8 text") from None


def resolve_outputs(value: Any, outputs: Mapping[str, Any]) -> Any:
    """Resolve step-output references inside ``value`` (recursively) at run time."""
    if isinstance(value, str):
        return _resolve_text(value, outputs)
    if isinstance(value, dict):
        return {
            (_resolve_text(k, outputs) if isinstance(k, str) else k): resolve_outputs(v, outputs)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [resolve_outputs(v, outputs) for v in value]
    return value


def _output_value(expr: str, outputs: Mapping[str, Any]) -> Any:
    name = expr.strip()
    for prefix in OUTPUT_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    if name not in outputs:
        raise VariableError(
            f"output '{name}' has no value yet: the step that declares it has not run or failed"
            + suggest(name, list(outputs))
        )
    return outputs[name]


def _resolve_text(text: str, outputs: Mapping[str, Any]) -> Any:
    if "${" not in text:
        return text
    whole = PATTERN.fullmatch(text)
    if whole and whole.group(1) is not None:
        return _output_value(whole.group(1), outputs)

    def repl(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        return str(_output_value(match.group(1), outputs))

    return PATTERN.sub(repl, text)
