"""Alert providers against real receivers: assay's signed webhook (signature and replay
window checked by the receiver), apprise's json:// to the same receiver, apprise's
mailto:// to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assay.core import secrets
from assay.server.monitors.providers import (
    AppriseUrl,
    DeliveryError,
    Message,
    Webhook,
    sign,
    verify,
)
from tests.support.ports import closed_port
from tests.support.receivers import SmtpServer, WebhookReceiver

MESSAGE = Message(
    "api is DOWN",
    "condition failed: [STATUS] (503) == 200",
    {"monitor": "api", "event": "down", "state": "down"},
)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver()
    yield hook
    hook.close()


def test_webhook_is_signed_and_the_receiver_verifies_it(receiver: WebhookReceiver) -> None:
    Webhook(f"{receiver.url}/signed", receiver.secret).send(MESSAGE)
    (got,) = receiver.at("signed")
    assert got.signed is True and got.json == MESSAGE.data
    assert got.headers["content-type"] == "application/json"
    # a forged body, an old timestamp, another secret: each fails verification
    stamp = int(got.headers["x-assay-timestamp"])
    assert not verify(receiver.secret, got.headers, got.body + b" ")
    assert not verify(receiver.secret, got.headers, got.body, now=stamp + 301)
    assert not verify("another-secret", got.headers, got.body)
    assert sign(receiver.secret, stamp, got.body) == got.headers["x-assay-signature"]


def test_webhook_failures_are_delivery_errors_without_the_secret(
    receiver: WebhookReceiver,
) -> None:
    receiver.fail = 1
    hook = Webhook(f"{receiver.url}/signed", receiver.secret)
    with pytest.raises(DeliveryError, match="HTTP 503"):
        hook.send(MESSAGE)
    hook.send(MESSAGE)  # the next attempt goes through
    assert len(receiver.at("signed")) == 2
    secrets.register(receiver.secret)
    down = Webhook(f"http://127.0.0.1:{closed_port()}/x?key={receiver.secret}", receiver.secret)
    with pytest.raises(DeliveryError) as caught:
        down.send(MESSAGE)
    assert receiver.secret not in str(caught.value)


def test_apprise_json_url_posts_title_and_body(receiver: WebhookReceiver) -> None:
    AppriseUrl(f"json://{receiver.url.removeprefix('http://')}/apprise").send(MESSAGE)
    (got,) = receiver.at("apprise")
    assert got.json["title"] == MESSAGE.title and got.json["message"] == MESSAGE.body


def test_apprise_mailto_reaches_a_real_smtp_server() -> None:
    smtp = SmtpServer()
    try:
        AppriseUrl(smtp.url("oncall@example.com")).send(MESSAGE)
    finally:
        smtp.close()
    (mail,) = smtp.mails
    assert mail.recipients == ["oncall@example.com"] and b"Subject: api is DOWN" in mail.content


def test_apprise_failures_are_delivery_errors() -> None:
    with pytest.raises(DeliveryError, match="does not understand"):
        AppriseUrl("nosuchservice://x").send(MESSAGE)
    with pytest.raises(DeliveryError, match="could not deliver"):
        AppriseUrl(f"json://127.0.0.1:{closed_port()}/x").send(MESSAGE)
