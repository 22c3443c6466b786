"""Untrusted configuration text: the parser never crashes, it raises only ConfigError."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from security.baseline import check_baseline
from security.errors import ConfigError
from security.model import parse_device
from security.network import NetworkContext
from security.policy import NetworkModel, check_network
from security.syntax import SYNTAXES

CONFIGS = Path(__file__).parent / "configs"
SAMPLE_LINES = sorted({line for f in CONFIGS.glob("*.cfg") for line in f.read_text().split("\n")})
WORDS = st.sampled_from(
    [
        "interface",
        "ip",
        "address",
        "route-static",
        "route",
        "vpn-instance",
        "vrf",
        "public",
        "global",
        "0.0.0.0",  # noqa: S104 - a configuration word
        "10.1.1.1",
        "255.255.255.0",
        "24",
        "999.1.1.1",
        "acl",
        "rule",
        "permit",
        "deny",
        "source",
        "any",
        "0.0.0.255",
        "snmp-agent",
        "community",
        "read",
        "usm-user",
        "v3",
        "header",
        "login",
        "banner",
        "motd",
        "^C",
        "%",
        '"',
        "#",
        "!",
        "vpn-target",
        "route-target",
        "import",
        "export",
        "1:1",
        "nat",
        "outbound",
        "line",
        "vty",
        "user-interface",
        "protocol",
        "inbound",
        "idle-timeout",
        "exec-timeout",
        "-1",
        "host",
        "local-user",
        "password",
        "x" * 40,
        "日本",
        "\t",
        "",
    ]
)
LINE = st.one_of(
    st.sampled_from(SAMPLE_LINES),
    st.builds(
        lambda ind, ws: " " * ind + " ".join(ws), st.integers(0, 3), st.lists(WORDS, max_size=8)
    ),
    st.text(max_size=40),
)
TEXT = st.lists(LINE, max_size=40).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, platform=st.sampled_from([None, *SYNTAXES]))
def test_parse_never_crashes(text: str, platform: str | None) -> None:
    try:
        device = parse_device(text, platform, name="fuzz")
    except ConfigError:
        return
    # whatever was parsed can be judged without crashing either
    check_network(NetworkModel(NetworkContext(), {"fuzz": device}))
    check_baseline(device)
