"""The ``egovnet`` command as a user meets it: help, bad settings, secrets, contradictory flags.

Exit codes and stderr are checked on real subprocesses of ``.venv/bin/egovnet``
where they matter; the rest goes through click's runner against the test app.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.credentials import SECRET_FIELDS, parse_secret_file
from inventory.errors import CredentialError

EGOVNET = Path(sys.executable).with_name("egovnet")


def _egovnet(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    base["EGOVNET_INSTANCE"] = str(cwd / "instance")
    return subprocess.run(
        [str(EGOVNET), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def _one_line_error(proc: subprocess.CompletedProcess[str], status: int = 2) -> str:
    assert proc.returncode == status, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert "Warning" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_help_hides_flask_commands_and_creates_nothing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    proc = subprocess.run(
        [str(EGOVNET), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    for hidden in ("--app", "--env-file", " run ", " shell ", " routes "):
        assert hidden not in proc.stdout, hidden
    for shown in ("inventory", "monitor", "lab", "demo", "report"):
        assert f"  {shown} " in proc.stdout
    assert list(tmp_path.iterdir()) == []
    gone = subprocess.run(
        [str(EGOVNET), "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert gone.returncode == 2 and "No such command" in gone.stderr
    assert list(tmp_path.iterdir()) == []


def _modules_after(args: list[str], cwd: Path) -> set[str]:
    code = (
        "import sys\nfrom web.cli import cli\n"
        f"try:\n    cli({args!r}, prog_name='egovnet')\nexcept SystemExit:\n    pass\n"
        "print('\\n'.join(sys.modules), file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGOVNET_")}
    env["EGOVNET_INSTANCE"] = str(cwd / "instance")
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return set(proc.stderr.split())


def test_lab_is_loaded_only_for_lab_and_demo(tmp_path: Path) -> None:
    top = _modules_after(["--help"], tmp_path)
    assert not {"flask", "sqlalchemy", "lab.cli", "asyncssh"} & top
    inventory = _modules_after(["inventory", "tree"], tmp_path)
    assert "inventory.service" in inventory
    assert not {"lab", "lab.cli", "asyncssh"} & inventory
    assert "lab.cli" in _modules_after(["lab", "--help"], tmp_path)
    assert "web.demo" in _modules_after(["demo", "--help"], tmp_path)  # lab: on use only


@pytest.mark.parametrize(
    ("url", "expected"),
    [("garbage", "EGOVNET_DATABASE_URL"), ("mysql://x", "no driver for 'mysql'")],
)
def test_bad_database_url_is_one_line(tmp_path: Path, url: str, expected: str) -> None:
    for args in (("inventory", "stats"), ("poll", "--once", "--no-write"), ("alarms",)):
        line = _one_line_error(_egovnet(*args, cwd=tmp_path, env={"EGOVNET_DATABASE_URL": url}))
        assert expected in line


def test_piped_password_no_getpass_warning(tmp_path: Path) -> None:
    env = {"EGOVNET_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"}
    proc = _egovnet(
        "inventory",
        "credentials",
        "set",
        "default",
        "--username",
        "netops",
        cwd=tmp_path,
        env=env,
        input="Pa55-word\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr and "Pa55-word" not in proc.stdout + proc.stderr
    listed = _egovnet("inventory", "credentials", "list", cwd=tmp_path, env=env)
    assert listed.stdout.split() == ["default"]


def test_snmp_secrets_from_stdin_and_file(
    run: Callable[..., Result], inventory: Any, tmp_path: Path
) -> None:
    asked = run(
        "inventory",
        "credentials",
        "set",
        "snmp",
        "--username",
        "netops",
        "--snmp-community",
        "--snmp-v3-user",
        "mon",
        "--snmp-v3-keys",
        input="pw\ncomm-1\nauth-key-1\npriv-key-1\n",
    )
    assert asked.exit_code == 0, asked.output
    creds = inventory.credentials.get("snmp")
    assert (creds.password, creds.snmp_community) == ("pw", "comm-1")
    assert (creds.snmp_v3_auth_key, creds.snmp_v3_priv_key) == ("auth-key-1", "priv-key-1")
    assert "comm-1" not in asked.output
    secret = tmp_path / "secrets"
    secret.write_text("# file\npassword=p w=1\nsnmp_community=c2\n", encoding="utf-8")
    filed = run(
        "inventory", "credentials", "set", "f", "--username", "u", "--secret-file", str(secret)
    )
    assert filed.exit_code == 0, filed.output
    creds = inventory.credentials.get("f")
    assert (creds.password, creds.snmp_community) == ("p w=1", "c2")
    # secrets are no longer accepted as command-line values
    old = run(
        "inventory", "credentials", "set", "x", "--username", "u", "--snmp-community", "public"
    )
    assert old.exit_code == 2
    assert "x" not in inventory.credentials.names()
    bad = tmp_path / "bad"
    bad.write_text("password=a\ncommunity=oops-secret\n", encoding="utf-8")
    refused = run("inventory", "credentials", "set", "y", "--username", "u", "--secret-file", bad)
    assert refused.exit_code == 1 and "line 2" in refused.output
    assert "oops-secret" not in refused.output


def test_wrong_or_missing_key_is_refused(tmp_path: Path) -> None:
    db = {"EGOVNET_DATABASE_URL": f"sqlite:///{tmp_path}/e.db"}
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = ("inventory", "credentials", "set")
    first = _egovnet(
        *store, "a", "--username", "u", cwd=tmp_path, env={**db, "EGOVNET_SECRET_KEY": key_a},
        input="pw\n",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    wrong = {**db, "EGOVNET_SECRET_KEY": key_b}
    for args in (("inventory", "credentials", "list"), (*store, "b", "--username", "u")):
        assert "not the key" in _one_line_error(
            _egovnet(*args, cwd=tmp_path, env=wrong, input="x\n")
        )
    poll = _egovnet("poll", "--once", "--no-write", cwd=tmp_path, env=wrong)
    assert poll.returncode == 2 and "not the key" in poll.stderr and "Traceback" not in poll.stderr
    right = _egovnet(
        "inventory", "credentials", "list", cwd=tmp_path, env={**db, "EGOVNET_SECRET_KEY": key_a}
    )
    assert right.stdout.split() == ["a"]

    # a key file: deleting it must not silently make a new key
    db2 = {"EGOVNET_DATABASE_URL": f"sqlite:///{tmp_path}/f.db"}
    assert (
        _egovnet(*store, "c", "--username", "u", cwd=tmp_path, env=db2, input="pw\n").returncode
        == 0
    )
    key_file = tmp_path / "instance" / "secret.key"
    assert key_file.exists()
    key_file.unlink()
    line = _one_line_error(_egovnet("inventory", "credentials", "list", cwd=tmp_path, env=db2))
    assert "missing" in line
    assert not key_file.exists()


def test_poll_names_skipped_targets(run: Callable[..., Result], inventory: Any) -> None:
    inventory.seed(None, villages_per_township=1)
    result = run("poll", "--once", "--no-write")
    assert result.exit_code == 1, result.output
    assert "not polled" in result.output


def test_arguments_are_checked_first(run: Callable[..., Result]) -> None:
    month = run("report", "availability", "--month", "2026-13")
    assert month.exit_code == 2 and "2026-13" in month.output and "influx" not in month.output
    both = run("alarms", "--open", "--all")
    assert both.exit_code == 2 and "contradict" in both.output
    assert run("alarms", "--limit", "0").exit_code == 2


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_secret_file_parser_never_crashes(text: str) -> None:
    try:
        found = parse_secret_file(text)
    except CredentialError:
        return
    assert set(found) <= set(SECRET_FIELDS)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(SECRET_FIELDS),
        st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1),
    )
)
def test_secret_file_round_trip(secrets: dict[str, str]) -> None:
    text = "".join(f"{k}={v}\n" for k, v in secrets.items())
    assert parse_secret_file(text) == secrets


# -- exit statuses (documented in web/cli.py): 2 cannot run as given, 1 refused -------

#: (id, status, argv, expected in the last line of stderr); in-process against the test app.
EXIT_CASES: list[tuple[str, int, list[str], str]] = [
    ("lab-fault-none-running", 1, ["lab", "fault", "X", "--reboot"], "error: no lab is running"),
    ("lab-log-none-running", 1, ["lab", "log", "X"], "error: no lab is running"),
    ("lab-state-corrupt", 1, ["lab", "status", "--state-dir", "{state}"], "is unreadable"),
    ("lab-down-state-corrupt", 1, ["lab", "down", "--state-dir", "{state}"], "then remove"),
    (
        "lab-state-dir-refused",
        1,
        ["lab", "up", "--state-dir", "/proc/egovnet-nope"],
        "error: /proc/egovnet-nope: No such file or directory",
    ),
    ("lab-clock-factor", 2, ["lab", "up", "--clock-factor", "0"], "'--clock-factor'"),
    ("lab-ssh-limit", 2, ["lab", "up", "--ssh-limit", "-1"], "'--ssh-limit'"),
    ("lab-delay", 2, ["lab", "fault", "X", "--delay", "-1"], "'--delay'"),
    ("lab-log-last", 2, ["lab", "log", "X", "--last", "0"], "'--last'"),
    (
        "inventory-export-refused",
        1,
        ["inventory", "export", "-o", "/nonexistent-egovnet/x.yaml"],
        "error: /nonexistent-egovnet/x.yaml: No such file or directory",
    ),
    ("inventory-unknown-code", 1, ["inventory", "show", "NOPE"], "error: no node"),
    (
        "inventory-release-vlan-without-node",
        2,
        ["inventory", "release", "--kind", "vlan", "--value", "10"],
        "--kind vlan needs --node",
    ),
]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("status", "argv", "expected"),
    [case[1:] for case in EXIT_CASES],
    ids=[case[0] for case in EXIT_CASES],
)
def test_exit_status_and_message(
    run: Callable[..., Result],
    instance_path: Path,
    tmp_path: Path,
    status: int,
    argv: list[str],
    expected: str,
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "lab.json").write_text("{garbage")
    result = run(*(a.replace("{state}", str(state)) for a in argv))
    assert result.exit_code == status, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert expected in result.stderr.strip().splitlines()[-1], result.stderr
    if not expected.startswith("'--") and "needs --node" not in expected:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # not a usage error
    assert not (instance_path / "lab").exists()  # nothing was started
    assert (state / "lab.json").read_text() == "{garbage"  # nor cleaned up blindly


@pytest.mark.parametrize(
    ("status", "argv", "env", "expected"),
    [
        (1, ["lab", "status"], {}, "error: no lab is running in"),
        (2, ["lab", "up", "--lab-database", "nonsense://x"], {}, "error: lab database 'nonsense"),
        (
            2,
            ["inventory", "stats"],
            {"EGOVNET_DATABASE_URL": "postgresql://u@127.0.0.1:1/x"},
            "error: cannot use the database:",
        ),
        (
            2,
            ["lab", "status"],
            {"EGOVNET_DATABASE_URL": "sqlite:////proc/egovnet-nope/x.db"},
            "cannot prepare the instance: /proc/egovnet-nope",
        ),
    ],
    ids=["lab-none-running", "lab-database-no-driver", "database-unreachable", "instance"],
)
def test_exit_status_of_the_real_command(
    tmp_path: Path, status: int, argv: list[str], env: dict[str, str], expected: str
) -> None:
    """The installed command: one line on stderr, no warning from the lab's libraries."""
    proc = _egovnet(
        *argv, cwd=tmp_path, env={"EGOVNET_DATABASE_URL": f"sqlite:///{tmp_path}/e.db", **env}
    )
    assert expected in _one_line_error(proc, status)
    assert not (tmp_path / "instance" / "lab").exists()
