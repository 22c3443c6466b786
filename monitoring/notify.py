"""Alarm notifications: a webhook (HTTP POST of JSON) and e-mail (SMTP).

A notifier gets every :class:`AlarmEvent` (an alarm raised or cleared). A
failing notifier is logged and skipped; it never stops the evaluation. Logs
name the webhook by scheme, host and port only (its path or query may hold
a token) and never print message bodies.
"""

from __future__ import annotations

import http.client
import json
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit

from monitoring.errors import MonitoringConfigError, MonitoringError

if TYPE_CHECKING:
    from monitoring.store import AlarmView

log = logging.getLogger(__name__)

EventKind = Literal["raised", "cleared"]


class NotificationError(MonitoringError):
    """A notification could not be delivered (names the receiver, never a secret)."""


@dataclass(frozen=True)
class AlarmEvent:
    """An alarm that was raised or cleared."""

    kind: EventKind
    alarm: AlarmView

    def to_json(self) -> dict[str, Any]:
        """The webhook payload."""
        return {"source": "egovnet", "event": self.kind, "alarm": self.alarm.to_json()}

    def subject(self) -> str:
        """A one-line summary (the e-mail subject)."""
        a = self.alarm
        return f"[egovnet] {a.severity.upper()} {a.rule} {self.kind}: {a.object_key}"

    def text(self) -> str:
        """A plain-text description (the e-mail body)."""
        a = self.alarm
        lines = [
            f"Alarm {a.id} {self.kind}: {a.message}",
            f"rule: {a.rule}",
            f"severity: {a.severity}",
            f"object: {a.object_kind} {a.object_key}",
            f"node: {a.node}",
        ]
        if a.interface:
            lines.append(f"interface: {a.interface}")
        if a.link:
            lines.append(f"link: {a.link}")
        lines.append(f"departments: {', '.join(a.departments) or '-'}")
        if a.value is not None:
            lines.append(f"value: {a.value:g}")
        lines.append(f"started: {a.started_at.isoformat()}")
        if a.ended_at is not None:
            lines.append(f"ended: {a.ended_at.isoformat()}")
        return "\n".join(lines) + "\n"


class Notifier(Protocol):
    """Delivers alarm events somewhere."""

    def send(self, event: AlarmEvent) -> None:
        """Deliver ``event``; raise :class:`NotificationError` when it cannot."""
        ...


def safe_endpoint(url: str) -> str:
    """A URL reduced to scheme, host and port, for messages.

    >>> safe_endpoint("https://hooks.example.cn:8443/send?token=abc")
    'https://hooks.example.cn:8443'
    """
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


class WebhookNotifier:
    """POSTs each event as JSON (``Content-Type: application/json; charset=utf-8``).

    Uses :mod:`http.client`, which logs nothing: the URL's path and query may
    hold a token, and urllib3 logs request lines at debug level.
    """

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MonitoringConfigError(
                f"alarms.webhook_url: not an http(s) URL ({safe_endpoint(url)})"
            )
        self.url = url
        self.where = safe_endpoint(url)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"WebhookNotifier({self.where})"

    def send(self, event: AlarmEvent) -> None:
        """POST the event; NotificationError on a transport error or a non-2xx answer."""
        parts = urlsplit(self.url)
        body = json.dumps(event.to_json(), ensure_ascii=False).encode("utf-8")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.hostname or ""
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(
                host, parts.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = http.client.HTTPConnection(host, parts.port, timeout=self.timeout)
        try:
            conn.request(
                "POST",
                target,
                body=body,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "User-Agent": "egovnet-alarms",
                },
            )
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise NotificationError(f"webhook {self.where}: {type(exc).__name__}") from None
        finally:
            conn.close()
        if response.status >= 300:
            raise NotificationError(f"webhook {self.where}: HTTP {response.status}")


class EmailNotifier:
    """Sends each event as a plain-text e-mail through an SMTP relay (no authentication)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        *,
        timeout: float = 10.0,
    ) -> None:
        if not recipients:
            raise MonitoringConfigError("alarms.smtp_to names no recipient")
        if not sender:
            raise MonitoringConfigError("alarms.smtp_from is empty")
        self.host, self.port, self.sender = host, port, sender
        self.recipients = tuple(recipients)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"EmailNotifier({self.host}:{self.port})"

    def message(self, event: AlarmEvent) -> EmailMessage:
        """The e-mail for ``event``."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Subject"] = event.subject()
        msg.set_content(event.text())
        return msg

    def send(self, event: AlarmEvent) -> None:
        """Deliver the e-mail; NotificationError when the relay refuses or cannot be reached."""
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(self.message(event))
        except (smtplib.SMTPException, OSError) as exc:
            raise NotificationError(
                f"smtp {self.host}:{self.port}: {type(exc).__name__}: {exc}"
            ) from exc


def deliver(notifiers: Sequence[Notifier], events: Sequence[AlarmEvent]) -> int:
    """Send every event through every notifier; returns how many deliveries failed (logged)."""
    failed = 0
    for event in events:
        for notifier in notifiers:
            try:
                notifier.send(event)
            except NotificationError as exc:
                failed += 1
                log.warning("alarm %d %s not notified: %s", event.alarm.id, event.kind, exc)
    return failed
