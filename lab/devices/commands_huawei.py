"""Huawei VRP5/VRP8 command handlers beyond the shared ones (``display ...``, VRP8 modes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab.devices.commands import _enter_config
from lab.devices.config_tree import render_config
from lab.devices.dialects.huawei_views import HuaweiViews
from lab.devices.grammar import Match
from lab.devices.replies import Reply, handler

if TYPE_CHECKING:
    from lab.devices.session import Shell


def _views(sh: Shell) -> HuaweiViews:
    views = sh.dialect.views
    if not isinstance(views, HuaweiViews):  # a table maps a Huawei action on another platform
        raise TypeError(f"{sh.dialect.name}: Huawei command on a non-Huawei dialect")
    return views


@handler("hw_interface_description")
def _interface_description(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).interface_description(sh.device))


@handler("hw_ip_interfaces")
def _ip_interfaces(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).ip_interfaces(sh.device, m.args[0] if m.args else None))


@handler("hw_lldp_detail")
def _lldp_detail(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).lldp_detail(sh.device, m.args[0] if m.args else None))


@handler("hw_vlan")
def _vlan(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).vlan(sh.device))


@handler("hw_port_vlan")
def _port_vlan(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).port_vlan(sh.device))


@handler("hw_mac_address")
def _mac_address(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).mac_address(sh.device))


@handler("hw_device")
def _device(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).device_status(sh.device))


@handler("hw_manuinfo")
def _manuinfo(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).manuinfo(sh.device))


@handler("hw_cpu")
def _cpu(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).cpu(sh.device))


@handler("hw_memory")
def _memory(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).memory(sh.device))


@handler("hw_ntp")
def _ntp(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).ntp(sh.device))


@handler("hw_vpn_instances")
def _vpn_instances(sh: Shell, m: Match) -> Reply:
    return Reply(_views(sh).vpn_instances(sh.device))


@handler("hw_this")
def _this(sh: Shell, m: Match) -> Reply:
    """``display this``: the current view's section (the whole configuration in system view)."""
    tree = sh.working_tree()
    style = sh.dialect.style
    if not sh.path:
        return Reply("\n".join(["#", *render_config(tree, style), "return"]) + "\n")
    node = tree.resolve(list(sh.path))
    if node is None:
        return Reply("#\nreturn\n")
    depth = len(sh.path) - 1
    lines = [" " * depth + node.text]
    lines += [" " * (depth + d + 1) + n.text for d, n in node.walk()]
    return Reply("\n".join(["#", *lines, "#", "return"]) + "\n")


@handler("hw_enter_immediate")
def _enter_immediate(sh: Shell, m: Match) -> Reply:
    """VRP8 ``system-view immediately``: every line takes effect when entered."""
    reply = _enter_config(sh, m)
    sh.immediate = True
    return reply


@handler("hw_clear_candidate")
def _clear_candidate(sh: Shell, m: Match) -> Reply:
    """VRP8 ``clear configuration candidate``: drop the uncommitted changes."""
    sh.discard_candidate()
    return Reply()


@handler("hw_commit_changes")
def _commit_changes(sh: Shell, m: Match) -> Reply:
    """``display configuration commit changes [at <id>]``: what each commit changed."""
    records = list(reversed(sh.device.commits))
    if m.args:
        wanted = int(m.args[0])
        records = [r for r in records if r.commit_id == wanted]
        if not records:
            return Reply("Error: The specified commit ID does not exist.\n")
    out = ["Building configuration"]
    for record in records:
        out += ["", f"Commit ID : {record.commit_id}", "#"]
        out += sh.device.diff(record.before, record.after)
        out.append("#")
    return Reply("\n".join(out) + "\n")
