"""Opened targets (clients, connection pools, embedded servers), for one run or kept open by
the caller across many (a server running the same suite on an interval).

``OpenTargets.open`` opens what the given groups of the given suites use; a run given an
``OpenTargets`` (``run_suites(..., targets=...)``) uses them and leaves them open, one
without opens its own and closes them when it ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from assay.config.models import Group, Suite
from assay.core.checks import TARGETS, Target
from assay.core.errors import AssayError, RuntimeFault
from assay.core.secrets import redact


def target_names(suite: Suite, group: Group) -> list[str]:
    """The targets a group's steps talk to; the first is the group's own."""
    names = [group.target or next(iter(suite.targets))]
    for _, steps in group.phases():
        names += [s.target for s in steps if s.target]
    return names


class OpenTargets:
    """Targets by (suite path, target name); ``close`` closes each once, best effort."""

    def __init__(self) -> None:
        self._targets: dict[tuple[str, str], Target] = {}

    @classmethod
    def open(
        cls,
        suites: list[Suite],
        concurrency: int,
        pairs: Iterable[tuple[Suite, Group]] | None = None,
    ) -> OpenTargets:
        """Open the targets that ``pairs`` (default: every group of ``suites``) use."""
        chosen = list(pairs) if pairs is not None else [(s, g) for s in suites for g in s.groups]
        needed = {(s.path, name) for s, g in chosen for name in target_names(s, g)}
        opened = cls()
        try:
            for suite in suites:
                for name, settings in suite.targets.items():
                    if (suite.path, name) in needed:
                        target_type = TARGETS.get(settings.type)
                        assert target_type is not None, f"validated suite names {settings.type}"
                        target = target_type.open(name, settings, concurrency)
                        opened._targets[(suite.path, name)] = target
        except AssayError:
            opened.close()
            raise
        except Exception as exc:
            opened.close()
            raise RuntimeFault(redact(f"could not open target: {exc}")) from None
        return opened

    def get(self, suite: Suite, name: str) -> Target:
        return self._targets[(suite.path, name)]

    def covers(self, suite: Suite, group: Group) -> bool:
        """Whether every target ``group`` uses is open here."""
        return all((suite.path, n) in self._targets for n in target_names(suite, group))

    def close(self) -> None:
        targets, self._targets = list(self._targets.values()), {}
        for target in targets:
            try:
                target.close()
            except Exception:  # noqa: S112 - closing is best effort; results are already in
                continue

    def __enter__(self) -> OpenTargets:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
