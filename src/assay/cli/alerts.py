"""``assay alerts test``: send a test notification from this machine, as the server would."""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

import click

from assay.core import secrets
from assay.core.errors import EXIT_FAILED, AssayError, UsageError
from assay.core.secrets import redact

ALERTS_HELP = """Alerts: try a provider before a monitor needs it.

\b
Examples:
  assay alerts test https://hooks.internal/assay --secret-env WEBHOOK_SECRET
  assay alerts test "slack://$SLACK_TOKEN/#ops"
  assay alerts test "mailto://user:pass@smtp.example.com?to=ops@example.com"
"""
# the query parameters apprise adds to every URL it shows, left out of what is printed
APPRISE_DEFAULTS = {"overflow", "retry", "wait", "optional", "emojis", "store", "tz", "method"}


class NotDelivered(AssayError):
    """The provider did not take the notification (exit 1)."""

    exit_code = EXIT_FAILED


@click.group(help=ALERTS_HELP)
def alerts() -> None:
    pass


@alerts.command("test", short_help="Send a test notification to a webhook or apprise URL.")
@click.argument("url")
@click.option("--secret", metavar="SECRET", help="Sign for assay's webhook with this secret.")
@click.option(
    "--secret-env", metavar="NAME", help="Sign with the secret in this environment variable."
)
@click.option("--title", default="[assay] test notification", show_default=True)
@click.option("--message", "text", help="The text (default: says where it came from).")
def test_alert(
    url: str, secret: str | None, secret_env: str | None, title: str, text: str | None
) -> None:
    """Send a test notification to URL from this machine; no server is needed.

    \b
    With --secret or --secret-env, URL is assay's signed webhook (as a monitors file's
    'webhook:' with its 'secret:'): a JSON POST shaped as a real alert (event "test"),
    with X-Assay-Timestamp and X-Assay-Signature for the receiver to verify. Without one,
    URL is an apprise URL (as 'apprise:'): slack://, msteams://, mailto://, json://, ...
    Secrets are masked in what is printed.

    \b
    Exit codes: 0 sent · 1 the provider did not take it · 2 usage (such as an apprise URL
    apprise does not understand).

    \b
    Examples:
      assay alerts test https://hooks.internal/assay --secret-env WEBHOOK_SECRET
      assay alerts test "json://127.0.0.1:9000/hook" --title "hello from staging"
    """
    from assay.server.monitors.providers import AppriseUrl, DeliveryError, Message, Webhook

    key = _signing_key(secret, secret_env)
    parts = urlsplit(url)
    secrets.register(key, parts.password)
    now = datetime.now(UTC)
    body = text or (
        f"A test notification from 'assay alerts test' on {socket.gethostname()} at "
        f"{now:%Y-%m-%d %H:%M:%S} UTC. Alerts from assay reach here."
    )
    data = {
        "key": f"test/{uuid.uuid4().hex[:12]}",
        "monitor": None,
        "event": "test",
        "incident": None,
        "before": None,
        "after": None,
        "message": body,
        "at": now.isoformat(),
        "url": None,
    }
    message = Message(title, body, data)
    if key is not None:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"a webhook URL is http(s)://host/path, not '{redact(url)}'")
        where = f"assay's signed webhook at {redact(url)}"
        try:
            Webhook(url, key).send(message)
        except DeliveryError as exc:
            raise NotDelivered(f"not delivered to {where}: {redact(str(exc))}") from None
    else:
        import apprise

        where = _apprise_where(url)
        capture = apprise.LogCapture(level=apprise.logging.WARNING)  # type: ignore[no-untyped-call]
        with capture as log:  # apprise's reasons, as text
            try:
                AppriseUrl(url).send(message)
            except DeliveryError:  # its text has the URL unmasked: apprise's words instead
                said = [line.split(" - ", 2)[-1] for line in log.getvalue().splitlines()]
                reason = said[-1] if said else "apprise could not deliver it"
                raise NotDelivered(f"not delivered to {where}: {redact(reason)}") from None
    click.echo(f"sent '{title}' (key {data['key']}) to {where}")


def _signing_key(secret: str | None, secret_env: str | None) -> str | None:
    if secret is not None and secret_env is not None:
        raise UsageError("give --secret or --secret-env, not both")
    if secret_env is not None:
        value = os.environ.get(secret_env)
        if not value:
            raise UsageError(f"--secret-env: the environment variable {secret_env} is not set")
        return value
    if secret is not None and not secret:
        raise UsageError("--secret is empty")
    return secret


def _apprise_where(url: str) -> str:
    """apprise's own name for the service and the URL with its secrets hidden; exit 2 when
    apprise does not understand the URL."""
    import apprise

    sender = apprise.Apprise()
    capture = apprise.LogCapture(level=apprise.logging.WARNING)  # type: ignore[no-untyped-call]
    with capture:  # no apprise lines on stderr
        understood = sender.add(url)
    if not understood:
        scheme = url.split("://", 1)[0] if "://" in url else url
        raise UsageError(
            f"apprise does not understand the URL '{redact(scheme)}://...' (without --secret, "
            "URL is an apprise URL: slack://, mailto://, json://, ...; see apprise's wiki)"
        )
    service = sender[0]
    shown = urlsplit(service.url(privacy=True))  # type: ignore[no-untyped-call]
    query = [p for p in shown.query.split("&") if p and p.split("=")[0] not in APPRISE_DEFAULTS]
    masked = shown._replace(query="&".join(query)).geturl()
    return f"{service.service_name} via apprise ({redact(masked)})"
