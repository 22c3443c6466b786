"""B1-B13 per platform: one line breaks a clean configuration, the check catches exactly that."""

from __future__ import annotations

import ipaddress

import pytest
from config_edit import edit
from security_city import Spec, render

from security.baseline import CHECK_IDS, check_baseline
from security.model import parse_device
from security.network import NetworkContext, NodeInfo

MGMT = ipaddress.IPv4Network("10.111.255.0/24")
HUAWEI = {
    "B1": ("insert", "stelnet server enable", "telnet server enable"),
    "B2": ("replace", " authentication-mode aaa", " authentication-mode password"),
    "B3": ("replace", " idle-timeout 10 0", " idle-timeout 0 0"),
    "B4": ("replace", " local-aaa-user wrong-password", " undo local-aaa-user wrong-password"),
    "B5": (
        "replace",
        " local-user netops password",
        " local-user netops password cipher %@%@x%@%@",
    ),
    "B6": ("insert", "aaa", " local-user admin password irreversible-cipher $1c$abc$"),
    "B7": ("insert", "snmp-agent sys-info", "snmp-agent community read public acl 2001"),
    "B8": ("delete", "info-center loghost", ""),
    "B9": ("delete", "ntp", ""),
    "B10": ("delete", "header login", ""),
    "B11": ("delete", " acl 2001 inbound", ""),
    "B12": ("insert", "stelnet server enable", "http server enable"),
    "B13": ("replace", "  action deny", "  action permit"),
}
COMWARE = {
    "B1": ("replace", " protocol inbound ssh", " protocol inbound all"),
    "B2": ("replace", " authentication-mode scheme", " authentication-mode none"),
    "B3": ("replace", " idle-timeout 10 0", " idle-timeout 30 0"),
    "B4": (
        "replace",
        " password-control login-attempt",
        " password-control login-attempt 3 exceed unlock",
    ),
    "B5": ("replace", " password hash", " password simple Netops-2026"),
    "B6": ("insert", "return", "local-user admin class manage"),
    "B7": ("replace", " snmp-agent sys-info version v3", " snmp-agent sys-info version all"),
    "B8": ("delete", " info-center loghost", ""),
    "B9": ("delete", " ntp-service enable", ""),
    "B10": ("delete", " header login", ""),
    "B11": ("delete", " ssh server acl 2001", ""),
    "B12": ("insert", " ssh server enable", " ip http enable"),
    "B13": ("replace", "  action drop", "  action pass"),
}
IOS = {
    "B1": ("replace", " transport input ssh", " transport input telnet ssh"),
    "B2": ("replace", " login authentication default", " no login"),
    "B3": ("replace", " exec-timeout 10 0", " exec-timeout 0 0"),
    "B4": ("replace", "login block-for", "login block-for 60 attempts 10 within 60"),
    "B5": ("replace", "username netops", "username netops privilege 15 password 7 0822455D0A16"),
    "B6": ("insert", "username netops", "username cisco privilege 15 secret 9 $9$Zk9w$Q2Fq"),
    "B7": ("insert", "snmp-server group", "snmp-server community public RO 10"),
    "B8": ("delete", "logging host", ""),
    "B9": ("delete", "ntp server", ""),
    "B10": ("delete", "banner login", ""),
    "B11": ("delete", " access-class 10 in", ""),
    "B12": ("insert", "no ip http secure-server", "ip http server"),
    "B13": ("replace", "  drop log", "  drop"),
}
EDITS = {"huawei_vrp5": HUAWEI, "huawei_vrp8": HUAWEI, "h3c_comware7": COMWARE, "cisco_ios": IOS}
#: Edits that rightly break a second check too: Telnet on the vty escapes ``ssh server acl``.
ALSO = {("h3c_comware7", "B1"): {"B11"}}
CONTEXT = NetworkContext(
    nodes={"fw": NodeInfo("fw", role="egress-firewall", department="4113-DSJ")}
)


def clean(platform: str) -> str:
    port = {"huawei_vrp5": "GigabitEthernet0/0/1", "huawei_vrp8": "GE1/0/1"}.get(
        platform, "GigabitEthernet1/0/1" if platform == "h3c_comware7" else "GigabitEthernet0/1"
    )
    spec = Spec("fw", platform, "egress-firewall", MGMT, interfaces=[(port, "10.110.0.1/30", None)])
    spec.routes.append((None, "0.0.0.0/0", "10.110.0.2"))
    return render(spec)


@pytest.mark.parametrize("platform", sorted(EDITS))
def test_clean_configuration_has_no_finding(platform: str) -> None:
    for level in (2, 3):
        device = parse_device(clean(platform), platform, name="fw")
        assert check_baseline(device, level=level, context=CONTEXT) == []


@pytest.mark.parametrize("check", CHECK_IDS)
@pytest.mark.parametrize("platform", sorted(EDITS))
def test_one_line_breaks_one_check(platform: str, check: str) -> None:
    how, anchor, new = EDITS[platform][check]
    text, line = edit(clean(platform), how, anchor, new)
    device = parse_device(text, platform, name="fw", source="fw.cfg")
    findings = check_baseline(device, level=3, context=CONTEXT)
    assert {f.check for f in findings} == {check} | ALSO.get((platform, check), set()), findings
    mine = [f for f in findings if f.check == check]
    for f in mine:
        assert (f.device, f.department, f.platform, f.level) == ("fw", "4113-DSJ", platform, 3)
        assert f.fix and f.severity in ("low", "medium", "high")
    if how != "delete":  # the edited line is the evidence
        assert any(e.line == line and e.source == "fw.cfg" for f in mine for e in f.evidence), mine


def test_level_sets_which_checks_apply_and_how_strict() -> None:
    platform = "huawei_vrp5"
    ntp_gone, _ = edit(clean(platform), "delete", "ntp")
    device = parse_device(ntp_gone, platform, name="fw")
    assert [f.check for f in check_baseline(device, level=3, context=CONTEXT)] == ["B9"]
    assert check_baseline(device, level=2, context=CONTEXT) == []  # NTP is a 三级 check
    idle, _ = edit(clean(platform), "replace", " idle-timeout 10 0", " idle-timeout 15 0")
    device = parse_device(idle, platform, name="fw")
    assert [f.check for f in check_baseline(device, level=3, context=CONTEXT)] == ["B3"]
    assert check_baseline(device, level=2, context=CONTEXT) == []  # 二级 allows 15 minutes
    v2c, _ = edit(
        clean(platform),
        "insert",
        "snmp-agent sys-info",
        "snmp-agent community read N0c-2026 acl 2001",
    )
    device = parse_device(v2c, platform, name="fw")
    assert [f.check for f in check_baseline(device, level=3, context=CONTEXT)] == ["B7"]
    assert check_baseline(device, level=2, context=CONTEXT) == []  # v2c with its own community


def test_b13_only_on_firewalls() -> None:
    text, _ = edit(clean("huawei_vrp5"), "replace", "  action deny", "  action permit")
    device = parse_device(text, "huawei_vrp5", name="fw")
    assert check_baseline(device, level=3, role="township-router") == []


def test_fix_lines_and_no_secret_in_findings() -> None:
    text, _ = edit(
        clean("h3c_comware7"), "replace", " password hash", " password simple Netops-2026"
    )
    device = parse_device(text, "h3c_comware7", name="fw")
    (finding,) = check_baseline(device, level=3, context=CONTEXT)
    assert "Netops-2026" not in repr(finding.to_dict())
    assert finding.evidence[0].text == "password simple ******"
    assert finding.fix[0] == "password-control enable"
    (b8,) = check_baseline(
        parse_device(edit(clean("cisco_ios"), "delete", "logging host")[0], "cisco_ios", name="fw"),
        context=CONTEXT,
    )
    assert b8.fix == ("logging host 10.111.255.11",)
