"""Cisco IOS exec handlers: files, copy, archive diffs, configure replace and revert timers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lab.devices.config_tree import ConfigNode, diff_trees, fold_banners, missing_lines
from lab.devices.dialects import ios_show
from lab.devices.dialects.common import interface_names
from lab.devices.dialects.ios_routes import lookup, show_ip_route
from lab.devices.editor import apply_line, build_tree
from lab.devices.errors import FlashPathError
from lab.devices.grammar import Failure, Match, caret_column
from lab.devices.replies import Handler, Reply, ask, handler

if TYPE_CHECKING:
    from lab.devices.device import LabDevice
    from lab.devices.session import Shell

RUNNING = ("running-config", "system:running-config", "system:/running-config")
STARTUP = ("startup-config", "nvram:startup-config", "nvram:/startup-config")


def _quiet(sh: Shell) -> bool:
    return sh.device.running.child("file prompt quiet") is not None


def _missing(path: str) -> Reply:
    return Reply(f"%Error opening {path} (No such file or directory)\n")


def _tree(sh: Shell, name: str) -> ConfigNode | None:
    if name in RUNNING:
        return sh.device.running
    if name in STARTUP:
        return sh.device.startup
    try:
        if not sh.device.flash.exists(name):
            return None
    except FlashPathError:
        return None
    return build_tree(sh.dialect, sh.device.flash.read(name))[0]


def _invalid(line: str, failure: Failure) -> str:
    column = caret_column(line, failure.word_index)
    return f"{line}\n{' ' * column}^\n% Invalid input detected at '^' marker.\n"


@handler("enable")
def _enable(sh: Shell, m: Match) -> Reply:
    def answer(text: str) -> Reply:
        if text.strip() == sh.device.spec.password:
            sh.mode = "enable"
            return Reply()
        return Reply("% Access denied\n")

    return ask("Password: ", answer)


@handler("disable")
def _disable(sh: Shell, m: Match) -> Reply:
    sh.mode = "user"
    return Reply()


@handler("do")
def _do(sh: Shell, m: Match) -> Reply:
    return sh.dispatch(m.args[0], mode="enable")


@handler("hosts")
def _hosts(sh: Shell, m: Match) -> Reply:
    domain = "not set"
    for node in sh.device.running.children:
        if node.text.startswith(("ip domain name ", "ip domain-name ")):
            domain = node.text.split()[-1]
    return Reply(
        f"Default domain is {domain}\nName/address lookup uses domain service\n"
        "Name servers are 255.255.255.255\n\nCodes: UN - unknown, EX - expired, OK - OK, "
        "?? - revalidate\n       temp - temporary, perm - permanent\n"
        "       NA - Not Applicable None - Not defined\n\n"
        "Host                      Port  Flags      Age Type   Address(es)\n"
    )


@handler("ios_clock")
def _clock(sh: Shell, m: Match) -> Reply:
    return Reply(f"*{sh.device.now():%H:%M:%S}.000 UTC {sh.device.now():%a %b %d %Y}\n")


@handler("show_archive")
def _show_archive(sh: Shell, m: Match) -> Reply:
    archive = sh.device.running.child("archive")
    if archive is None:
        return Reply("Archive feature not enabled\n")
    path = next(
        (c.text.split(" ", 1)[1] for c in archive.children if c.text.startswith("path ")),
        "flash:archive",
    )
    return Reply(
        "The maximum archive configurations allowed is 10.\n"
        f"The next archive file will be named {path}-1\n"
        " Archive #  Name\n   1\n   2\n   3\n"
    )


@handler("rollback_timer")
def _rollback_timer(sh: Shell, m: Match) -> Reply:
    pending = sh.device.pending
    if pending is None:
        return Reply("%No Rollback Confirmed Change pending\n")
    return Reply(
        f"Time configured(or Reset) : {pending.configured:%H:%M:%S} UTC "
        f"{pending.configured:%a %b %d %Y}\n"
        "Timer type: Revert timer\n"
        f"Timer value: {int(pending.device_seconds // 60)} min\n"
        f"User: {pending.user}\n"
    )


@handler("archive_diff")
def _archive_diff(sh: Shell, m: Match) -> Reply:
    old, new = _tree(sh, m.args[0]), _tree(sh, m.args[1])
    if old is None:
        return _missing(m.args[0])
    if new is None:
        return _missing(m.args[1])
    lines = diff_trees(old, new)
    if not lines:
        return Reply("!No changes were found\n")
    return Reply("!Contextual Config Diffs:\n" + "\n".join(lines) + "\n")


@handler("incremental_diff")
def _incremental_diff(sh: Shell, m: Match) -> Reply:
    path = m.args[0]
    if not sh.device.flash.exists(path):
        return _missing(path)
    tree, errors = build_tree(sh.dialect, sh.device.flash.read(path))
    out = "".join(_invalid(line, failure) for line, failure in errors)
    lines = missing_lines(tree, sh.device.running)
    if not lines:
        return Reply(out + "!No changes were found\n")
    return Reply(out + "!List of Commands:\n" + "\n".join(lines) + "\nend\n")


@handler("verify_md5")
def _verify_md5(sh: Shell, m: Match) -> Reply:
    path = m.args[0]
    if not sh.device.flash.exists(path):
        return _missing(path)
    return Reply(f".....Done!\nverify /md5 ({path}) = {sh.device.flash.md5(path)}\n")


@handler("more")
def _more(sh: Shell, m: Match) -> Reply:
    tree = _tree(sh, m.args[0])
    if tree is None:
        return _missing(m.args[0])
    if m.args[0] in RUNNING + STARTUP:
        return Reply(sh.device.render_text(tree))
    return Reply(sh.device.flash.read(m.args[0]))


@handler("ios_delete")
def _delete(sh: Shell, m: Match) -> Reply:
    path = m.args[-1]
    if not sh.device.flash.exists(path):
        return _missing(path)
    sh.device.flash.delete(path)
    return Reply()


@handler("write")
def _write(sh: Shell, m: Match) -> Reply:
    sh.device.save()
    return Reply("Building configuration...\n[OK]\n")


def _merge(sh: Shell, text: str) -> str:
    """Apply a file line by line onto running, as ``copy F running-config`` does."""
    device = sh.device
    before = device.running.clone()
    out = []
    path: tuple[str, ...] = ()
    for raw in fold_banners(text.replace("\r", "").split("\n")):
        line = raw.strip()
        if not line or line.startswith("!") or line == "end":
            if line == "end":
                break
            continue
        if line in device.faults.reject_lines:
            out.append(_invalid(line, Failure("unrecognized", 0)))
            continue
        result = apply_line(sh.dialect, device.running, path, line)
        if result.ok:
            path = result.path
        else:
            out.append(_invalid(line, result.failure or Failure("unrecognized", 0)))
    device.changed(before)
    return "".join(out)


@handler("copy")
def _copy(sh: Shell, m: Match) -> Reply:
    source, dest = m.args
    device = sh.device
    flash = device.flash

    def run(answer: str = "") -> Reply:
        try:
            if dest in STARTUP and source in RUNNING:
                device.save()
                return Reply("Building configuration...\n[OK]\n")
            if dest in RUNNING:
                text = (
                    device.render_text(device.startup) if source in STARTUP else flash.read(source)
                )
                errors = _merge(sh, text)
                return Reply(f"{errors}{len(text)} bytes copied in 0.104 secs\n")
            if source == "null:":
                size = flash.write(dest, "")
            elif source in RUNNING + STARTUP:
                tree = device.running if source in RUNNING else device.startup
                size = flash.write(dest, device.render_text(tree))
            else:
                size = flash.write(dest, flash.read(source))
        except FlashPathError as exc:
            return Reply(f"%Error parsing filename ({exc})\n")
        return Reply(f"{size} bytes copied in 0.052 secs ({size * 20} bytes/sec)\n")

    if source not in RUNNING + STARTUP + ("null:",):
        try:
            if not flash.exists(source):
                return _missing(source)
        except FlashPathError:
            return Reply("%Error parsing filename (Invalid argument)\n")
    if _quiet(sh):
        return run()
    name = dest.split("/")[-1].split(":")[-1]
    return ask(f"Destination filename [{name}]? ", run)


@handler("config_revert_timer")
def _config_revert_timer(sh: Shell, m: Match) -> Reply:
    if sh.device.running.child("archive") is None:
        return Reply("%Please turn config archive on\n")
    minutes = int(m.args[0])
    if not 1 <= minutes <= 120:
        return Reply(sh.error(m.line, Failure("unrecognized", 4)))
    sh.device.start_pending("timer", sh.user, minutes * 60)
    sh.mode, sh.path = "config", ()
    return Reply("Enter configuration commands, one per line.  End with CNTL/Z.\n")


@handler("configure_replace")
def _configure_replace(sh: Shell, m: Match) -> Reply:
    path = m.args[0]
    device = sh.device
    timer = int(m.args[1]) if len(m.args) > 1 else None
    on_error = "trigger" in m.words

    def run(answer: str = "y") -> Reply:
        if answer.strip().lower()[:1] not in ("y", ""):
            return Reply()
        tree, errors = build_tree(sh.dialect, flash_text)
        report = "".join(_invalid(line, failure) for line, failure in errors)
        if errors and on_error:
            return Reply(
                report + "Rollback aborted due to errors.\n"
                "The original configuration has been successfully restored.\n"
            )
        if timer is not None:
            if device.running.child("archive") is None:
                return Reply("%Please turn config archive on\n")
            device.start_pending("timer", sh.user, timer * 60)
        device.set_running(tree)
        return Reply(report + "Total number of passes: 1\nRollback Done\n")

    if not device.flash.exists(path):
        return _missing(path)
    flash_text = device.flash.read(path)
    if "force" in m.words:
        return run()
    return ask(
        "This will apply all necessary additions and deletions\nto replace the current "
        "running configuration with the\ncontents of the specified configuration file, "
        "which is\nassumed to be a complete configuration, not a partial\nconfiguration. "
        "Enter Y if you are sure you want to proceed. ? [no]: ",
        run,
    )


@handler("configure_confirm")
def _configure_confirm(sh: Shell, m: Match) -> Reply:
    sh.device.confirm_pending()
    return Reply()


@handler("configure_revert_now")
def _configure_revert_now(sh: Shell, m: Match) -> Reply:
    if not sh.device.revert_pending("configure revert now"):
        return Reply("%No Rollback Confirmed Change pending\n")
    return Reply("Rollback Done\n")


# -- show commands of the Catalyst 3560-X beyond the shared views ----------------------
def _show(render: Callable[[LabDevice], str]) -> Handler:
    def run(sh: Shell, m: Match) -> Reply:
        return Reply(render(sh.device))

    return run


for _action, _render in (
    ("ios_interfaces_description", ios_show.interfaces_description),
    ("ios_interfaces_status", ios_show.interfaces_status),
    ("ios_interfaces_switchport", ios_show.interfaces_switchport),
    ("ios_lldp_detail", ios_show.lldp_detail),
    ("ios_cdp", ios_show.cdp_brief),
    ("ios_cdp_detail", ios_show.cdp_detail),
    ("ios_vrf", ios_show.show_vrf),
    ("ios_cpu", ios_show.processes_cpu),
    ("ios_memory", ios_show.memory_statistics),
    ("ios_environment", ios_show.environment),
    ("ios_temperature", ios_show.temperature_status),
    ("ios_snmp_chassis", ios_show.snmp_chassis),
    ("ios_mac_table", ios_show.mac_address_table),
):
    handler(_action)(_show(_render))


@handler("ios_ip_interface")
def _ip_interface(sh: Shell, m: Match) -> Reply:
    name = m.args[0] if m.args else None
    if name and name not in interface_names(sh.device):
        return Reply(sh.error(m.line, Failure("unrecognized", 3)))
    return Reply(ios_show.ip_interface(sh.device, name))


@handler("ios_running_interface")
def _running_interface(sh: Shell, m: Match) -> Reply:
    text = ios_show.running_interface(sh.device, m.args[0])
    if text is None:
        return Reply(sh.error(m.line, Failure("unrecognized", 2)))
    return Reply(text)


@handler("ios_routes_vrf")
def _routes_vrf(sh: Shell, m: Match) -> Reply:
    if m.args[0] not in ios_show.vrfs(sh.device):
        return Reply(f"% IP routing table {m.args[0]} does not exist\n")
    return Reply(show_ip_route(sh.device, m.args[0]))


@handler("ios_route_lookup", "ios_route_lookup_vrf")
def _route_lookup(sh: Shell, m: Match) -> Reply:
    args = list(m.args)
    vrf = args.pop(0) if m.rule.action == "ios_route_lookup_vrf" else None
    if vrf is not None and vrf not in ios_show.vrfs(sh.device):
        return Reply(f"% IP routing table {vrf} does not exist\n")
    return Reply(lookup(sh.device, args[0], args[1] if len(args) > 1 else None, vrf))
