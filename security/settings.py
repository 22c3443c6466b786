"""Configuration options of security campaigns and upward reporting (see :mod:`inventory.options`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inventory.options import ConfigError, Option

from .syslog import Collector, parse_collector

OPTIONS: tuple[Option, ...] = (
    Option(
        "security.syslog_collectors",
        "",
        "RFC 5424 collectors for findings and alarms, comma-separated: tcp://host:port, udp://host:port",
    ),
    Option("security.syslog_hostname", "egovnet", "HOSTNAME field of the syslog messages"),
    Option("security.syslog_facility", 13, "syslog facility number (13 = log audit)", int),
    Option("security.syslog_timeout", 5.0, "seconds to connect and send to a collector", float),
    Option(
        "security.syslog_retry_seconds",
        30.0,
        "first back-off after a failed delivery (doubles, at most one hour)",
        float,
    ),
    Option("security.campaign_width", 8, "devices fetched or probed at once in a campaign", int),
    Option("security.probe_timeout", 2.0, "seconds per probe (TCP connect, SNMP request)", float),
    Option("security.probe_telnet_port", 23, "port probe.telnet connects to", int),
    Option("security.probe_http_port", 80, "port probe.http connects to", int),
    Option(
        "security.probe_snmp_port",
        0,
        "port probe.snmp_default sends to (0 = each node's SNMP port from the inventory)",
        int,
    ),
    Option(
        "security.capture_iface",
        "",
        "interface check inspect.capture listens on (a mirror port of the capture point)",
    ),
    Option(
        "security.capture_point",
        "",
        "capture point of security.capture_iface: egress, core, county, township, village, "
        "access, intranet",
    ),
    Option(
        "security.capture_seconds", 60.0, "length of the capture window of inspect.capture", float
    ),
    Option("security.capture_bpf", "", "BPF capture filter of inspect.capture (tcpdump syntax)"),
)


@dataclass(frozen=True)
class SecuritySettings:
    """What campaigns and the syslog forwarder need from configuration."""

    collectors: tuple[Collector, ...] = ()
    syslog_hostname: str = "egovnet"
    syslog_facility: int = 13
    syslog_timeout: float = 5.0
    syslog_retry_seconds: float = 30.0
    campaign_width: int = 8
    probe_timeout: float = 2.0
    probe_telnet_port: int = 23
    probe_http_port: int = 80
    probe_snmp_port: int = 0
    capture_iface: str = ""
    capture_point: str = ""
    capture_seconds: float = 60.0
    capture_bpf: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> SecuritySettings:
        try:
            collectors = tuple(
                parse_collector(part.strip())
                for part in str(values["security.syslog_collectors"]).split(",")
                if part.strip()
            )
        except ValueError as exc:
            raise ConfigError(f"security.syslog_collectors: {exc}") from None
        facility = values["security.syslog_facility"]
        if not 0 <= facility <= 23:
            raise ConfigError(f"security.syslog_facility: {facility} is not 0-23")
        width = values["security.campaign_width"]
        if width < 1:
            raise ConfigError(f"security.campaign_width: {width} is not at least 1")
        from .inspect.points import POINTS

        capture_point = str(values["security.capture_point"]).strip()
        if capture_point and capture_point not in POINTS:
            raise ConfigError(
                f"security.capture_point: {capture_point!r} is not one of {', '.join(POINTS)}"
            )
        capture_seconds = values["security.capture_seconds"]
        if not capture_seconds > 0:
            raise ConfigError(f"security.capture_seconds: {capture_seconds} is not positive")
        return cls(
            collectors=collectors,
            syslog_hostname=values["security.syslog_hostname"],
            syslog_facility=facility,
            syslog_timeout=values["security.syslog_timeout"],
            syslog_retry_seconds=values["security.syslog_retry_seconds"],
            campaign_width=width,
            probe_timeout=values["security.probe_timeout"],
            probe_telnet_port=values["security.probe_telnet_port"],
            probe_http_port=values["security.probe_http_port"],
            probe_snmp_port=values["security.probe_snmp_port"],
            capture_iface=str(values["security.capture_iface"]).strip(),
            capture_point=capture_point,
            capture_seconds=capture_seconds,
            capture_bpf=str(values["security.capture_bpf"]).strip(),
        )
