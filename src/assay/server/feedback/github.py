"""GitHub issues through githubkit: the one seam between assay and GitHub.

Everything assay asks of GitHub is here: create an issue, and find the issue whose body
holds a marker. ``github_api_url`` points the seam elsewhere (GitHub Enterprise, or the
tests' local fake). githubkit's own retries are off: the delivery job retries, so that a
wait survives a restart and ``Retry-After`` / ``X-RateLimit-Reset`` decide when. Its
exceptions become one ``GitHubError`` here, masked, saying whether a retry can help.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import httpx
from githubkit import GitHub
from githubkit.exception import (
    GitHubException,
    RateLimitExceeded,
    RequestError,
    RequestFailed,
    RequestTimeout,
)

from assay import __version__
from assay.core.secrets import redact

PAGES = 5  # issues updated since the first attempt, 100 a page, searched for a marker
TRANSIENT = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Issue:
    number: int
    url: str


class GitHubError(Exception):
    """A GitHub request failed; ``retry_after`` (seconds) when GitHub said when to retry."""

    def __init__(self, message: str, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(redact(message))
        self.transient = transient
        self.retry_after = retry_after


def _message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    return str(data.get("message", ""))[:200] if isinstance(data, dict) else ""


def _translate(exc: GitHubException, what: str) -> GitHubError:
    """githubkit's exceptions as one ``GitHubError``."""
    if isinstance(exc, RateLimitExceeded):
        seconds = exc.retry_after.total_seconds()
        kind = type(exc).__name__.replace("Exceeded", "").replace("RateLimit", " rate limit")
        return GitHubError(
            f"{what}: GitHub's {kind.strip().lower()} was hit; retry in {seconds:.0f} s",
            transient=True,
            retry_after=seconds,
        )
    if isinstance(exc, RequestFailed):
        response = exc.response.raw_response
        status = response.status_code
        detail = _message(response)
        return GitHubError(
            f"{what}: GitHub answered {status}" + (f": {detail}" if detail else ""),
            transient=status in TRANSIENT,
        )
    if isinstance(exc, RequestTimeout):
        return GitHubError(f"{what}: GitHub did not answer in time", transient=True)
    if isinstance(exc, RequestError):
        return GitHubError(f"{what}: cannot reach GitHub ({exc.exc})", transient=True)
    return GitHubError(f"{what}: {type(exc).__name__}: {exc}", transient=True)


class GitHubIssues:
    """Issues of one repository, through githubkit with assay's settings."""

    def __init__(self, repository: str, token: str, api_url: str, timeout: float) -> None:
        self.owner, self.repo = repository.split("/", 1)
        self._github: GitHub[Any] = GitHub(
            token,
            base_url=api_url,
            timeout=timeout,
            auto_retry=False,
            http_cache=False,
            user_agent=f"assay/{__version__}",
        )

    def create(self, title: str, body: str, labels: list[str]) -> Issue:
        """A new issue; raises ``GitHubError``."""
        try:
            response = self._github.rest.issues.create(
                self.owner, self.repo, title=title, body=body, labels=labels
            )
            data = cast(dict[str, Any], response.json())
        except GitHubException as exc:
            raise _translate(exc, "creating the issue") from None
        return Issue(int(data["number"]), str(data["html_url"]))

    def find(self, marker: str, since: datetime) -> Issue | None:
        """The issue whose body holds ``marker`` among those updated since ``since``.

        The repository's issue list, not the search API: search is indexed with a delay,
        so an issue created a moment ago may not be found there yet.
        """
        for page in range(1, PAGES + 1):
            try:
                response = self._github.rest.issues.list_for_repo(
                    self.owner,
                    self.repo,
                    state="all",
                    since=since,
                    sort="created",
                    direction="desc",
                    per_page=100,
                    page=page,
                )
                items = cast(list[dict[str, Any]], response.json())
            except GitHubException as exc:
                raise _translate(exc, "looking for an issue created earlier") from None
            for item in items:
                if marker in str(item.get("body") or ""):
                    return Issue(int(item["number"]), str(item["html_url"]))
            if len(items) < 100:
                return None
        return None
