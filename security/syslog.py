"""RFC 5424 syslog messages for findings and alarms, sent over TCP (RFC 6587 octet counting) or UDP.

Own code, on purpose: the standard library's ``logging.handlers.SysLogHandler``
writes RFC 3164-style lines without structured data and, over TCP, frames by
a trailing newline (RFC 6587 non-transparent framing), which breaks on a
message that holds a newline; the PyPI packages for RFC 5424 wrap that
handler and add neither octet counting nor a delivery result. A message is
small and the format fixed, so it is written here, with the parser the tests
(and hypothesis) use to prove the bytes are RFC 5424.

Delivery is at-least-once: :class:`~security.outbox.Outbox` keeps every
message in the database until a collector accepted it.
"""

from __future__ import annotations

import contextlib
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

#: our SD-IDs carry the documentation enterprise number of RFC 5612 (32473)
ENTERPRISE = "32473"
#: finding/alarm severity -> syslog severity (err, warning, notice)
SYSLOG_SEVERITY = {"critical": 2, "high": 3, "major": 3, "medium": 4, "minor": 4, "low": 5}
NILVALUE = "-"
BOM = "\ufeff"
#: the largest UDP payload we send (a bigger message goes over TCP only)
MAX_UDP = 65000

_NAME = re.compile(r"^[!-~]{1,48}$")  # PRINTUSASCII, no space
_SD_NAME = re.compile(r"^[!#-~]{1,32}$")


@dataclass(frozen=True)
class Collector:
    """Where messages go: ``tcp`` or ``udp``, host and port."""

    transport: str
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.transport}://{self.host}:{self.port}"


def parse_collector(text: str) -> Collector:
    """``tcp://host:port`` or ``udp://host:port`` (IPv6 hosts in brackets).

    >>> parse_collector("tcp://127.0.0.1:6514")
    Collector(transport='tcp', host='127.0.0.1', port=6514)
    >>> parse_collector("udp://[::1]:514").host
    '::1'
    """
    scheme, sep, rest = text.partition("://")
    if not sep or scheme not in ("tcp", "udp"):
        raise ValueError(f"{text!r}: expected tcp://host:port or udp://host:port")
    host, colon, port = rest.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r}: expected tcp://host:port or udp://host:port")
    return Collector(scheme, host, int(port))


def _name(value: str, what: str) -> str:
    """A header field: printable US-ASCII without spaces, or the NILVALUE."""
    if not value:
        return NILVALUE
    cleaned = "".join(c if "!" <= c <= "~" else "_" for c in value)[:48]
    if not _NAME.match(cleaned):
        raise ValueError(f"{what} {value!r} is not usable in a syslog header")
    return cleaned


def escape_param(value: str) -> str:
    r"""An SD-PARAM value with ``"``, ``\`` and ``]`` escaped (RFC 5424 §6.3.3).

    >>> escape_param('a"b]c\\d')
    'a\\"b\\]c\\\\d'
    """
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def structured_data(sd_id: str, params: Mapping[str, str | int | None]) -> str:
    """One SD-ELEMENT ``[id@32473 k="v" ...]``; None values are left out."""
    name = f"{sd_id}@{ENTERPRISE}"
    if not _SD_NAME.match(name):
        raise ValueError(f"SD-ID {sd_id!r} is not usable")
    parts = [name]
    for key, value in params.items():
        if value is None:
            continue
        if not _SD_NAME.match(key) or "=" in key:
            raise ValueError(f"SD-PARAM name {key!r} is not usable")
        parts.append(f'{key}="{escape_param(str(value))}"')
    return "[" + " ".join(parts) + "]"


def format_message(
    *,
    facility: int,
    severity: int,
    hostname: str,
    app_name: str,
    msgid: str,
    sd: str,
    msg: str,
    timestamp: datetime | None = None,
    procid: str = "",
) -> bytes:
    """An RFC 5424 message (UTF-8, the MSG with a BOM)."""
    if not 0 <= facility <= 23 or not 0 <= severity <= 7:
        raise ValueError(f"facility {facility} / severity {severity} out of range")
    moment = (timestamp or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z"
    header = (
        f"<{facility * 8 + severity}>1 {stamp} {_name(hostname, 'hostname')}"
        f" {_name(app_name, 'app-name')} {_name(procid, 'procid')} {_name(msgid, 'msgid')}"
    )
    return f"{header} {sd or NILVALUE} {BOM}{msg}".encode()


def frame_octet_counted(message: bytes) -> bytes:
    """RFC 6587 octet-counting framing: ``MSG-LEN SP SYSLOG-MSG``.

    >>> frame_octet_counted(b"<13>1 - - - - - -")
    b'17 <13>1 - - - - - -'
    """
    return str(len(message)).encode() + b" " + message


def split_octet_counted(stream: bytes) -> tuple[list[bytes], bytes]:
    """The complete frames of ``stream`` and the incomplete rest; ValueError on bad framing.

    >>> split_octet_counted(b"3 abc2 de1")
    ([b'abc', b'de'], b'1')
    """
    frames: list[bytes] = []
    pos = 0
    while pos < len(stream):
        space = stream.find(b" ", pos, pos + 11)
        if space < 0:
            if len(stream) - pos > 10 or not stream[pos:].isdigit():
                raise ValueError(f"bad frame length at offset {pos}")
            break
        digits = stream[pos:space]
        if not digits.isdigit() or digits.startswith(b"0"):
            raise ValueError(f"bad frame length at offset {pos}")
        end = space + 1 + int(digits)
        if end > len(stream):
            break
        frames.append(stream[space + 1 : end])
        pos = end
    return frames, stream[pos:]


@dataclass(frozen=True)
class Parsed:
    """An RFC 5424 message read back (what a collector sees)."""

    facility: int
    severity: int
    timestamp: str
    hostname: str
    app_name: str
    procid: str
    msgid: str
    sd: dict[str, dict[str, str]]
    msg: str


_HEADER = re.compile(rb"^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) ")


def _parse_sd(text: str) -> tuple[dict[str, dict[str, str]], str]:
    """Structured data at the start of ``text`` and the rest after it."""
    if text.startswith(NILVALUE):
        return {}, text[1:]
    out: dict[str, dict[str, str]] = {}
    pos = 0
    while pos < len(text) and text[pos] == "[":
        end_id = pos + 1
        while end_id < len(text) and text[end_id] not in " ]":
            end_id += 1
        sd_id = text[pos + 1 : end_id]
        params: dict[str, str] = {}
        pos = end_id
        while pos < len(text) and text[pos] == " ":
            eq = text.index("=", pos)
            name = text[pos + 1 : eq]
            if text[eq + 1] != '"':
                raise ValueError("SD-PARAM value not quoted")
            i = eq + 2
            value = []
            while text[i] != '"':
                if text[i] == "\\" and text[i + 1] in '"\\]':
                    value.append(text[i + 1])
                    i += 2
                else:
                    value.append(text[i])
                    i += 1
            params[name] = "".join(value)
            pos = i + 1
        if pos >= len(text) or text[pos] != "]":
            raise ValueError("SD-ELEMENT not closed")
        out[sd_id] = params
        pos += 1
    if not out:
        raise ValueError("no structured data")
    return out, text[pos:]


def parse_message(data: bytes) -> Parsed:
    """Parse an RFC 5424 message; ValueError when it is not one."""
    m = _HEADER.match(data)
    if m is None:
        raise ValueError("not an RFC 5424 header")
    pri = int(m.group(1))
    if pri > 191:
        raise ValueError(f"PRI {pri} out of range")
    rest = data[m.end() :].decode("utf-8")
    try:
        sd, tail = _parse_sd(rest)
    except (IndexError, ValueError) as exc:
        raise ValueError(f"bad structured data: {exc}") from None
    if tail.startswith(" "):
        tail = tail[1:]
    elif tail:
        raise ValueError("no space after the structured data")
    if tail.startswith(BOM):
        tail = tail[1:]
    head = [g.decode("ascii") for g in m.groups()[1:]]
    return Parsed(pri // 8, pri % 8, head[0], head[1], head[2], head[3], head[4], sd, tail)


class DeliveryError(OSError):
    """A collector could not be reached or did not take the message."""


def send(collector: Collector, messages: Sequence[bytes], *, timeout: float) -> None:
    """Send ``messages`` to ``collector`` (one TCP connection, or one datagram each)."""
    try:
        if collector.transport == "tcp":
            with socket.create_connection((collector.host, collector.port), timeout=timeout) as s:
                s.sendall(b"".join(frame_octet_counted(m) for m in messages))
                s.shutdown(socket.SHUT_WR)
                with contextlib.suppress(TimeoutError):  # the peer closes once it read all
                    s.recv(1)
        else:
            family = socket.AF_INET6 if ":" in collector.host else socket.AF_INET
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.settimeout(timeout)
                for m in messages:
                    if len(m) > MAX_UDP:
                        raise DeliveryError(
                            f"{collector}: message of {len(m)} bytes too big for UDP"
                        )
                    s.sendto(m, (collector.host, collector.port))
    except OSError as exc:
        if isinstance(exc, DeliveryError):
            raise
        raise DeliveryError(f"{collector}: {exc.strerror or exc}") from None
