"""``egovnet policy check`` and ``egovnet baseline`` as a user runs them (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from config_edit import insert_after, replace
from security_city import by_role, city, network_yaml

EGOVNET = Path(sys.executable).with_name("egovnet")
CONFIGS = Path(__file__).parent / "configs"


def egovnet(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(cwd / "instance")
    return subprocess.run(
        [str(EGOVNET), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean city's configurations and NETWORK.yaml."""
    c = city()
    root = tmp_path_factory.mktemp("configs")
    for code, text in c.configs.items():
        (root / f"{code}.cfg").write_text(text)
    (root / "NETWORK.yaml").write_text(yaml.safe_dump(network_yaml(c), allow_unicode=True))
    return root


def test_clean_folder_exits_0(folder: Path, tmp_path: Path) -> None:
    proc = egovnet(
        "policy",
        "check",
        "--configs",
        str(folder),
        "--network",
        str(folder / "NETWORK.yaml"),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("device(s)") and "no violation" in proc.stdout


def test_one_violating_line_exits_1_with_file_and_line(folder: Path, tmp_path: Path) -> None:
    c = city()
    work = tmp_path / "configs"
    work.mkdir()
    for p in folder.iterdir():
        (work / p.name).write_text(p.read_text())
    town = by_role(c.specs)["township-router"][0]
    text, line = insert_after(
        c.configs[town], "interface GigabitEthernet0/0/1", " nat outbound 2000"
    )
    (work / f"{town}.cfg").write_text(text)
    proc = egovnet(
        "policy",
        "check",
        "--configs",
        str(work),
        "--network",
        str(work / "NETWORK.yaml"),
        "--json",
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    verdict = json.loads(proc.stdout)
    (v,) = verdict["violations"]
    assert (v["invariant"], v["device"]) == ("single-egress", town)
    assert {"file": str(work / f"{town}.cfg"), "line": line, "text": "nat outbound 2000"} in v[
        "lines"
    ]
    human = egovnet(
        "policy",
        "check",
        "--configs",
        str(work),
        "--network",
        str(work / "NETWORK.yaml"),
        cwd=tmp_path,
    )
    assert human.returncode == 1
    assert (
        f"{work / f'{town}.cfg'}:{line - 1}: [single-egress] {town}: NAT outbound" in human.stdout
    )


def test_bad_network_file_and_bad_config_exit_2(folder: Path, tmp_path: Path) -> None:
    work = tmp_path / "configs"
    work.mkdir()
    (work / "a.cfg").write_text(
        "#\nsysname A\n#\ninterface Vlanif1\n ip address 10.1.1.300 255.255.255.0\n#\nreturn\n"
    )
    net = tmp_path / "NETWORK.yaml"
    net.write_text("devices:\n  a.cfg: {role: core, colour: red}\n")
    assert "NETWORK.yaml:2: devices.a.cfg: unknown key 'colour'" in one_line_error(
        egovnet("policy", "check", "--configs", str(work), "--network", str(net), cwd=tmp_path)
    )
    net.write_text("devices:\n  a.cfg: {role: core, platform: junos}\n")
    assert "platform: 'junos' is not one of" in one_line_error(
        egovnet("policy", "check", "--configs", str(work), "--network", str(net), cwd=tmp_path)
    )
    net.write_text("devices:\n  a.cfg: {role: core}\n")
    assert one_line_error(
        egovnet("policy", "check", "--configs", str(work), "--network", str(net), cwd=tmp_path)
    ).endswith(
        "a.cfg:5: '10.1.1.300' is not an IPv4 address: 'ip address 10.1.1.300 255.255.255.0'"
    )
    net.write_text("devices:\n  a.cfg: {role: core}\n  b.cfg: {role: core}\n")
    assert "'b.cfg' is not in" in one_line_error(
        egovnet("policy", "check", "--configs", str(work), "--network", str(net), cwd=tmp_path)
    )
    assert "is not a folder" in one_line_error(
        egovnet("policy", "check", "--configs", str(tmp_path / "nowhere"), cwd=tmp_path)
    )
    (work / "a.cfg").write_bytes(b"\xff\xfe\x00garbage")
    assert "neither UTF-8 nor GB18030 text" in one_line_error(
        egovnet("policy", "check", "--configs", str(work), cwd=tmp_path)
    )
    (work / "a.cfg").write_text("hello\nworld\n")
    assert "cannot tell the platform" in one_line_error(
        egovnet("policy", "check", "--configs", str(work), cwd=tmp_path)
    )


def test_baseline_offline(tmp_path: Path) -> None:
    proc = egovnet(
        "baseline",
        "--config",
        str(CONFIGS / "s5560_comware7.cfg"),
        "--level",
        "3",
        "--department",
        "411303-DSJ",
        "--json",
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)
    checks = {f["check"] for f in findings}
    assert {"B1", "B5", "B6", "B7", "B11", "B12"} <= checks
    b12 = next(f for f in findings if f["check"] == "B12")
    assert b12["evidence"] == [
        {"file": str(CONFIGS / "s5560_comware7.cfg"), "line": 83, "text": "ip http enable"}
    ]
    assert b12["fix"] == ["undo ip http enable", "undo ftp server enable"]
    assert b12["department"] == "411303-DSJ" and b12["platform"] == "h3c_comware7"
    assert "Auth-2026" not in proc.stdout and "simple admin" not in proc.stdout  # secrets masked
    clean_text = city().configs[by_role(city().specs)["township-router"][0]]
    (tmp_path / "t.cfg").write_text(clean_text)
    ok = egovnet(
        "baseline", "--config", str(tmp_path / "t.cfg"), "--role", "township-router", cwd=tmp_path
    )
    assert ok.returncode == 0, ok.stdout
    assert "0 finding(s)" in ok.stdout
    bad, _ = replace(clean_text, " idle-timeout 10 0", " idle-timeout 0 0")
    (tmp_path / "t.cfg").write_text(bad)
    proc = egovnet("baseline", "--config", str(tmp_path / "t.cfg"), cwd=tmp_path)
    assert proc.returncode == 1 and "B3 medium" in proc.stdout
    assert "cannot read" in one_line_error(
        egovnet("baseline", "--config", str(tmp_path / "none.cfg"), cwd=tmp_path)
    )


def test_intent_against_the_inventory(tmp_path: Path) -> None:
    """``--inventory``: the seeded inventory's roles, parents, zones and links judge the files."""
    seeded = egovnet("inventory", "seed", cwd=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    c = city(None, 18)  # what ``inventory seed`` builds: the example city, 18 villages each
    work = tmp_path / "configs"
    work.mkdir()
    for code, text in c.configs.items():
        (work / f"{code}.cfg").write_text(text)
    proc = egovnet("policy", "check", "--configs", str(work), "--inventory", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    town = by_role(c.specs)["township-router"][0]
    text, line = insert_after(
        c.configs[town], "interface GigabitEthernet0/0/1", " nat outbound 2000"
    )
    (work / f"{town}.cfg").write_text(text)
    proc = egovnet("policy", "check", "--configs", str(work), "--inventory", "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (v,) = json.loads(proc.stdout)["violations"]
    assert (v["invariant"], v["device"], v["lines"][-1]["line"]) == ("single-egress", town, line)
