"""Safe configuration pushes in NAPALM's vocabulary, on Netmiko, for the platforms NAPALM
does not cover (community Huawei: merge-only, no commit-confirm; community H3C: read-only).

A vendor is frozen data (:class:`Vendor`: Netmiko device type, ntc-templates platform,
commands, error markers) plus the three hooks where the devices' own commit mechanisms
differ (``_push``, ``_confirm``, ``_revert``, ``_device_pending``: abstract methods of
:class:`CommitHooks`). Candidates are held here, not on the device:
``compare_config`` is the hier_config remediation from the device's running configuration,
and ``commit_config`` pushes only those commands, so nothing reaches a device before a
diff exists, and every push can be rolled back.

Show output is parsed with ntc-templates where a template exists (``display version``,
``display interface``); interface addresses are read from the running configuration
(exact and vendor-neutral) and ``display lldp neighbor brief``, which has no template,
with one regular expression.

Pending-commit state is read from the device, never only remembered, so a new process
(after a crash or SIGKILL mid-push) can find an unconfirmed commit and confirm or roll
it back: VRP8 from ``display configuration trial status``; Comware 7 and VRP5, which
print no such state, from a marker file the driver saves on flash just before the
commit, named after the revert deadline in the device's own clock
(``egovnet-pending-YYYYMMDDHHMMSS.cfg``).
"""

from __future__ import annotations

import abc
import contextlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from napalm.base import NetworkDriver
from napalm.base.exceptions import (
    CommitError,
    ConnectionException,
    MergeConfigException,
    ReplaceConfigException,
)
from netmiko import ConnectHandler
from netmiko.base_connection import BaseConnection
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
from ntc_templates.parse import ParsingException, parse_output
from paramiko.ssh_exception import SSHException

from ..remediation import remediate, tree
from ..secrets import REDACTED, sanitize


@dataclass(frozen=True)
class Vendor:
    """What differs between platforms that is only data."""

    platform: str
    vendor: str
    netmiko_type: str
    ntc_platform: str
    show_running: str = "display current-configuration"
    show_startup: str = "display saved-configuration"
    show_version: str = "display version"
    show_serial: str | None = "display esn"
    show_interfaces: str = "display interface"
    show_lldp: str = "display lldp neighbor brief"
    #: ntc-templates has a template for ``show_lldp`` (Comware); VRP's brief form has none.
    lldp_template: bool = False
    hostname_key: str = "sysname"
    #: A reply line starting with one of these means the device refused the command.
    error_markers: tuple[str, ...] = ("Error:", "% ")
    show_clock: str = "display clock"
    #: ``display clock`` -> named groups date (Y-m-d or m/d/Y) and time (H:M:S).
    clock_pattern: str = r"(?P<date>\d{4}-\d{2}-\d{2}) (?P<time>\d{2}:\d{2}:\d{2})"
    clock_date_format: str = "%Y-%m-%d"
    #: Flash path prefix of files the driver saves (checkpoints, pending markers).
    flash_prefix: str = ""


class DeviceDriverError(CommitError):  # type: ignore[misc]
    """The device refused a command (the line and the device's message are named)."""


class DeviceUnreachableError(ConnectionException):  # type: ignore[misc]
    """No SSH session: connection refused, timed out, or no SSH banner in time."""


class DeviceAuthenticationError(ConnectionException):  # type: ignore[misc]
    """The device refused the login (user name or password)."""


#: Marker of an unconfirmed commit on flash; the revert deadline in device time.
PENDING_MARKER = re.compile(r"egovnet-pending-(\d{14})\.cfg")
MARKER_TIME = "%Y%m%d%H%M%S"


class CommitHooks(abc.ABC):
    """Where the devices' own commit mechanisms differ: every vendor driver supplies these."""

    @abc.abstractmethod
    def _push(self, commands: list[str], message: str, revert_in: int | None) -> None:
        """Apply ``commands``; with ``revert_in`` (seconds) arm the revert."""

    @abc.abstractmethod
    def _confirm(self) -> None:
        """Confirm the pending commit (works from a new session)."""

    @abc.abstractmethod
    def _revert(self, pending: bool) -> None:
        """Undo the pending commit at once, or the last confirmed one."""

    @abc.abstractmethod
    def _device_pending(self) -> bool:
        """Read from the device whether an unconfirmed commit is waiting."""


class NetmikoDriver(NetworkDriver, CommitHooks):  # type: ignore[misc]
    """NAPALM's driver interface on Netmiko; subclasses supply :attr:`VENDOR` and the hooks."""

    VENDOR: Vendor

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        self.optional_args = dict(optional_args or {})
        self.device: BaseConnection | None = None
        self._candidate: tuple[str, str] | None = None  # (merge|replace, text)
        self._pending = False
        #: The running configuration before our last commit (what rollback returns to).
        self._before: str | None = None

    # -- session ---------------------------------------------------------------------------
    def open(self) -> None:
        args = {
            "device_type": self.VENDOR.netmiko_type,
            "host": self.hostname,
            "username": self.username,
            "password": self.password,
            "port": int(self.optional_args.get("port", 22)),
            "conn_timeout": float(self.optional_args.get("conn_timeout", min(self.timeout, 10))),
            # a listener that accepts TCP but never speaks SSH costs at most this long
            "banner_timeout": float(self.optional_args.get("banner_timeout", 10)),
            "auth_timeout": float(self.optional_args.get("auth_timeout", 10)),
            "fast_cli": bool(self.optional_args.get("fast_cli", True)),
        }
        try:
            self.device = ConnectHandler(**args)
        except NetmikoAuthenticationException as exc:
            raise DeviceAuthenticationError(
                f"{self.hostname}: login refused for user {self.username!r}"
            ) from exc
        except (NetmikoTimeoutException, SSHException, OSError, EOFError) as exc:
            # SSHException: no SSH banner in time, connection reset during the handshake
            raise DeviceUnreachableError(f"{self.hostname}: cannot connect: {exc}") from exc

    def close(self) -> None:
        """Log out (``quit`` from user view) and close the SSH connection.

        Netmiko's own disconnect waits about 2 s for the device to hang up; every
        command of ours ends back in user view, so ``quit`` ends the session at once.
        """
        if self.device is not None:
            with contextlib.suppress(OSError):
                self.device.write_channel("quit" + self.device.RETURN)
            self.device.paramiko_cleanup()
            self.device = None

    def is_alive(self) -> dict[str, bool]:
        return {"is_alive": bool(self.device and self.device.is_alive())}

    @property
    def _conn(self) -> BaseConnection:
        if self.device is None:
            raise ConnectionException(f"{self.hostname}: not connected (call open() first)")
        return self.device

    def _show(self, command: str) -> str:
        output = str(self._conn.send_command(command, read_timeout=self.timeout))
        return output.replace("\r", "")

    def _refused(self, output: str) -> str | None:
        for line in output.splitlines():
            if line.strip().startswith(self.VENDOR.error_markers):
                return line.strip()
        return None

    # -- candidates ----------------------------------------------------------------------
    @staticmethod
    def _text(filename: str | None, config: str | None) -> str:
        if config is not None:
            return config
        if filename is None:
            raise MergeConfigException("give a filename or a config")
        with open(filename, encoding="utf-8") as fh:
            return fh.read()

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Hold lines to add to the running configuration (nothing is sent yet)."""
        self._candidate = ("merge", self._text(filename, config))

    def load_replace_candidate(
        self, filename: str | None = None, config: str | None = None
    ) -> None:
        """Hold a whole intended configuration (nothing is sent yet)."""
        try:
            self._candidate = ("replace", self._text(filename, config))
        except MergeConfigException as exc:
            raise ReplaceConfigException(str(exc)) from None

    def _target(self, running: str) -> str:
        """The configuration the candidate asks for."""
        if self._candidate is None:
            return running
        kind, text = self._candidate
        if kind == "replace":
            return text
        merged = tree(self.VENDOR.platform, running).future(tree(self.VENDOR.platform, text))
        return "\n".join(merged.dump_simple())

    def _change(self) -> tuple[str, tuple[str, ...]]:
        running = self._show(self.VENDOR.show_running)
        return running, remediate(self.VENDOR.platform, running, self._target(running)).commands

    def compare_config(self) -> str:
        """The commands the candidate would send, in push order (secrets masked)."""
        if self._candidate is None:
            return ""
        return "\n".join(self._change()[1])

    def discard_config(self) -> None:
        """Forget the candidate (it never reached the device)."""
        self._candidate = None

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Push the candidate's commands; with ``revert_in`` (seconds) the device reverts
        by itself unless :meth:`confirm_commit` comes in time."""
        # read from the device: another process's unconfirmed commit must not be buried
        # under a new checkpoint (VRP5/Comware) or a second trial (VRP8)
        if self._pending or self.has_pending_commit():
            raise CommitError(f"{self.hostname}: a commit is pending confirmation")
        running, commands = self._change()
        self._candidate = None
        if not commands:
            return
        self._before = running
        self._push(unmask_removals(self.VENDOR.platform, commands, running), message, revert_in)
        self._pending = revert_in is not None

    def confirm_commit(self) -> None:
        """Confirm the unconfirmed commit the device holds (this instance's or another's)."""
        if not self.has_pending_commit():
            raise CommitError(f"{self.hostname}: no commit is pending confirmation")
        self._confirm()
        self._pending = False

    def has_pending_commit(self) -> bool:
        """Whether the device holds an unconfirmed commit (read from the device)."""
        self._pending = self._device_pending()
        return self._pending

    def rollback(self) -> None:
        """Undo the last commit (a pending one at once); the running configuration is then
        line-identical to what it was before the commit. Works from a new instance."""
        self._revert(self.has_pending_commit())
        self._pending = False
        self._before = None

    # -- device clock and flash files (markers of pending commits) -------------------------
    def _device_now(self) -> datetime:
        """The device's own clock (revert deadlines are kept in it)."""
        output = self._show(self.VENDOR.show_clock)
        now = parse_clock(output, self.VENDOR)
        if now is None:
            raise CommitError(f"{self.hostname}: cannot read the clock from {output[:80]!r}")
        return now

    def _flash_files(self) -> list[str]:
        """Names of egovnet's files on flash (checkpoints, pending markers)."""
        return flash_files(self._show("dir"))

    def _markers(self) -> list[tuple[str, datetime]]:
        """Pending-commit markers on flash and their revert deadlines (device time)."""
        return markers(self._flash_files())

    def _marker_name(self, revert_in: int) -> str:
        deadline = self._device_now() + timedelta(seconds=revert_in)
        return f"egovnet-pending-{deadline:{MARKER_TIME}}.cfg"

    def _delete_file(self, name: str) -> None:
        reply = self._cmd(f"delete /unreserved {self.VENDOR.flash_prefix}{name}")
        if re.search(r"\(y/n\)|\[Y/N\]", reply, re.I):
            self._cmd("y")

    #: A prompt, or a question the device asks.
    PROMPT = r"(?:[>\]]|\[Y/N\]:?|\(y/n\)\[n\]:|\[Y\(yes\)/N\(no\)/C\(cancel\)\]:?)\s*$"

    def _cmd(self, command: str) -> str:
        """Send one line and read up to the next prompt or question."""
        reply = self._conn.send_command(
            command,
            expect_string=self.PROMPT,
            read_timeout=self.timeout,
            strip_prompt=False,
            strip_command=False,
        )
        return str(reply).replace("\r", "")

    def _send_config(self, commands: list[str]) -> str:
        """Send lines in configuration mode (already entered); stop at the first refusal."""
        output = ""
        for command in commands:
            reply = self._cmd(command.strip())
            output += reply
            refused = self._refused(reply)
            if refused:
                raise DeviceDriverError(f"{self.hostname}: {command.strip()!r} refused: {refused}")
        return output

    # -- getters ---------------------------------------------------------------------------
    def get_config(
        self, retrieve: str = "all", full: bool = False, sanitized: bool = False
    ) -> dict[str, str]:
        out = {"running": "", "startup": "", "candidate": ""}
        if retrieve in ("all", "running"):
            out["running"] = self._show(self.VENDOR.show_running)
        if retrieve in ("all", "startup"):
            out["startup"] = self._show(self.VENDOR.show_startup)
        if sanitized:
            out = {k: sanitize(v, self.VENDOR.platform) for k, v in out.items()}
        return out

    def _parse(self, command: str, output: str) -> list[dict[str, Any]]:
        try:
            parsed = parse_output(platform=self.VENDOR.ntc_platform, command=command, data=output)
        except ParsingException:  # output the template does not match: no data
            return []
        # ntc-templates lower-cases the template's field names
        return [{k.upper(): v for k, v in row.items()} for row in parsed] if parsed else []

    def get_facts(self) -> dict[str, Any]:
        version_text = self._show(self.VENDOR.show_version)
        rows = self._parse(self.VENDOR.show_version, version_text)
        row = rows[0] if rows else {}
        running = self._show(self.VENDOR.show_running)
        hostname = re.search(rf"^\s*{self.VENDOR.hostname_key} (\S+)", running, re.M)
        serial = ""
        if self.VENDOR.show_serial:
            found = re.search(r":\s*(\S+)\s*$", self._show(self.VENDOR.show_serial), re.M)
            serial = found.group(1) if found else ""
        uptime = re.search(
            r"uptime is (?:(\d+) weeks?, )?(\d+) days?, (\d+) hours?, (\d+) minutes?", version_text
        )
        seconds = -1.0
        if uptime:
            weeks, days, hours, minutes = (int(g or 0) for g in uptime.groups())
            seconds = float((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60)
        model = row.get("MODEL") or ""
        version = re.search(r"Version (\S+?),? ", version_text)
        return {
            "hostname": hostname.group(1) if hostname else "",
            "fqdn": hostname.group(1) if hostname else "",
            "vendor": self.VENDOR.vendor,
            "model": model if isinstance(model, str) else " ".join(model),
            "os_version": str(row.get("VRP_VERSION") or row.get("PRODUCT_VERSION") or "")
            or (version.group(1) if version else ""),
            "serial_number": serial,
            "uptime": seconds,
            "interface_list": re.findall(r"^interface (\S+)$", running, re.M),
        }

    def get_interfaces(self) -> dict[str, dict[str, Any]]:
        output = self._show(self.VENDOR.show_interfaces)
        result: dict[str, dict[str, Any]] = {}
        for row in self._parse(self.VENDOR.show_interfaces, output):
            name = row.get("INTERFACE")
            if not name:
                continue
            state = str(row.get("LINK_STATUS") or row.get("LINE_STATUS") or "").lower()
            protocol = str(row.get("PROTOCOL_STATUS") or "")
            result[name] = {
                "is_up": protocol.lower().startswith("up"),
                "is_enabled": "administratively" not in state,
                "description": str(
                    row.get("INTERFACE_DESCRIPTION") or row.get("DESCRIPTION") or ""
                ),
                "last_flapped": -1.0,
                "speed": float(_number(row.get("SPEED") or row.get("BANDWIDTH"))),
                "mtu": int(_number(row.get("MTU")) or 1500),
                "mac_address": str(
                    row.get("MAC_ADDRESS") or next(iter(row.get("HW_ADDRESS") or []), "")
                ),
            }
        return result

    def get_interfaces_ip(self) -> dict[str, dict[str, Any]]:
        running = tree(self.VENDOR.platform, self._show(self.VENDOR.show_running))
        result: dict[str, dict[str, Any]] = {}
        for iface in running.get_children(startswith="interface "):
            for line in iface.children:
                found = re.match(r"ip address (\S+) (\S+)", line.text)
                if not found:
                    continue
                ip, mask = found.groups()
                length = mask if mask.isdigit() else str(_prefixlen(mask))
                name = iface.text.split(" ", 1)[1]
                addresses = result.setdefault(name, {"ipv4": {}})["ipv4"]
                addresses[ip] = {"prefix_length": int(length)}
        return result

    def get_lldp_neighbors(self) -> dict[str, list[dict[str, str]]]:
        output = self._show(self.VENDOR.show_lldp)
        result: dict[str, list[dict[str, str]]] = {}
        if self.VENDOR.lldp_template:
            for row in self._parse(self.VENDOR.show_lldp, output):
                result.setdefault(row["LOCAL_INTERFACE"], []).append(
                    {"hostname": row["NEIGHBOR_NAME"], "port": row["NEIGHBOR_INTERFACE"]}
                )
            return result
        for line in output.splitlines():
            parts = line.split()
            if len(parts) != 4:
                continue
            if parts[3].isdigit():  # VRP5: Local Intf, Neighbor Dev, Neighbor Intf, Exptime(s)
                result.setdefault(parts[0], []).append({"hostname": parts[1], "port": parts[2]})
            elif parts[1].isdigit():  # CE: Local Interface, Exptime(s), Neighbor Intf, Device
                result.setdefault(parts[0], []).append({"hostname": parts[3], "port": parts[2]})
        return result


def unmask_removals(platform: str, commands: tuple[str, ...], running: str) -> list[str]:
    r"""Removals of lines whose secret was masked get the device's own text back.

    ``undo snmp-agent community read cipher ******`` is what the comparison sees;
    the device needs the cipher it printed. Only lines taken from the running
    configuration are restored; nothing of ours is ever unmasked here.

    >>> unmask_removals("huawei_vrp5", ("undo snmp-agent community read cipher ******",),
    ...                 "#\n snmp-agent community read cipher %^%#x%^%#\n#")
    ['undo snmp-agent community read cipher %^%#x%^%#']
    """
    raw: dict[str, str] = {}
    for line in running.replace("\r", "").split("\n"):
        masked = sanitize(line, platform).strip()
        if REDACTED in masked:
            raw.setdefault(masked, line.strip())
    out = []
    for command in commands:
        body = command.lstrip()
        indent = command[: len(command) - len(body)]
        for prefix in ("undo ", "no "):
            if body.startswith(prefix) and body[len(prefix) :] in raw:
                command = indent + prefix + raw[body[len(prefix) :]]
                break
        out.append(command)
    return out


def parse_clock(output: str, vendor: Vendor) -> datetime | None:
    """The device time in ``display clock`` output; None when there is none.

    >>> parse_clock("2026-12-07 12:34:56\\nMonday", Vendor("p", "v", "n", "t"))
    datetime.datetime(2026, 12, 7, 12, 34, 56)
    >>> parse_clock("2026-13-07 12:34:56", Vendor("p", "v", "n", "t")) is None
    True
    """
    found = re.search(vendor.clock_pattern, output)
    if not found:
        return None
    try:
        return datetime.strptime(
            f"{found['date']} {found['time']}", f"{vendor.clock_date_format} %H:%M:%S"
        )
    except ValueError:
        return None


def flash_files(listing: str) -> list[str]:
    """egovnet's file names in a ``dir`` listing.

    >>> flash_files("  0  -rw-  12  Dec 07 2026  egovnet-rollback.cfg\\n  1  -rw-  9  vrpcfg.cfg")
    ['egovnet-rollback.cfg']
    """
    return sorted(set(re.findall(r"(egovnet-[\w.-]+\.cfg)", listing)))


def markers(names: list[str]) -> list[tuple[str, datetime]]:
    """Pending-commit markers among ``names`` with their deadlines (an invalid date in a
    name is not a marker).

    >>> markers(["egovnet-pending-20261207123456.cfg", "egovnet-pending-20261399000000.cfg"])
    [('egovnet-pending-20261207123456.cfg', datetime.datetime(2026, 12, 7, 12, 34, 56))]
    """
    out = []
    for name in names:
        found = PENDING_MARKER.fullmatch(name)
        if found:
            try:
                out.append((name, datetime.strptime(found.group(1), MARKER_TIME)))
            except ValueError:
                continue
    return out


def _number(value: Any) -> float:
    found = re.search(r"\d+(\.\d+)?", str(value or ""))
    return float(found.group(0)) if found else 0.0


def _prefixlen(mask: str) -> int:
    """
    >>> _prefixlen("255.255.255.252")
    30
    """
    return sum(bin(int(octet)).count("1") for octet in mask.split("."))
