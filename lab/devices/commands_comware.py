"""H3C Comware 7 exec handlers: the ``display`` commands of comware_show, ``display this``, ``save``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lab.devices.dialects import comware_show
from lab.devices.errors import FlashPathError
from lab.devices.grammar import Match
from lab.devices.replies import Handler, Reply, ask, handler, yes

if TYPE_CHECKING:
    from lab.devices.device import LabDevice
    from lab.devices.session import Shell


def _show(render: Callable[[LabDevice], str]) -> Handler:
    def run(sh: Shell, m: Match) -> Reply:
        return Reply(render(sh.device))

    return run


for _action, _render in (
    ("cw_device", comware_show.device_list),
    ("cw_lldp_verbose", comware_show.lldp_verbose),
    ("cw_clock", comware_show.clock),
    ("cw_ip_interface", comware_show.ip_interface),
    ("cw_cpu", comware_show.cpu_usage),
    ("cw_memory", comware_show.memory),
    ("cw_ntp", comware_show.ntp_status),
    ("cw_vpn", comware_show.vpn_instances),
    ("cw_mac", comware_show.mac_address),
    ("cw_vlan", comware_show.vlan_brief),
    ("cw_vlan_summary", comware_show.vlan_summary),
    ("cw_vlan_all", comware_show.vlan_all),
    ("cw_if_description", comware_show.interface_description),
):
    handler(_action)(_show(_render))


@handler("cw_this")
def _this(sh: Shell, m: Match) -> Reply:
    """``display this``: the current view's section (the whole configuration in system view)."""
    if not sh.path:
        return Reply(sh.device.render_text())
    node = sh.device.running.resolve(list(sh.path))
    if node is None:
        return Reply("#\nreturn\n")
    lines = [node.text] + [" " * (d + 1) + n.text for d, n in node.walk()]
    return Reply("\n".join(["#", *lines, "#", "return"]) + "\n")


@handler("cw_save")
def _save(sh: Shell, m: Match) -> Reply:
    """``save [file]``: Comware asks to confirm, then (without a file) for the file name."""
    device = sh.device
    default = device.dialect.extra.get("startup_file", "startup.cfg")
    done = device.dialect.messages.save_done + "\n"

    def write(path: str | None) -> Reply:
        try:
            device.save(path)
        except FlashPathError as exc:
            return Reply(f"The file name is invalid: {exc}\n")
        return Reply(done)

    def name(answer: str) -> Reply:
        chosen = answer.strip()
        if not chosen or chosen.removeprefix("flash:/") == default:
            return write(None)
        if not chosen.endswith(".cfg"):
            return Reply("The file name is invalid(the extension name must be .cfg).\n")
        return write(chosen)

    def confirm(answer: str) -> Reply:
        if not yes(answer):
            return Reply()
        if m.args:
            return write(m.args[0])
        return ask(
            f"Please input the file name(*.cfg)[flash:/{default}]\n"
            "(To leave the existing filename unchanged, press the enter key):",
            name,
        )

    return ask(device.dialect.messages.save_question, confirm)
