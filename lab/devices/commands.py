"""Exec command handlers shared by every platform, plus the VRP and Comware ones.

Handlers are registered by action name (see ``replies.handler``); the dialect's
command tables map command templates to these names, so platform differences
stay in the tables and in the views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lab.devices.config_tree import render_config
from lab.devices.errors import FlashPathError
from lab.devices.grammar import Failure, Match
from lab.devices.replies import Reply, ask, handler, yes

if TYPE_CHECKING:
    from lab.devices.session import Shell


# -- display / show ----------------------------------------------------------------
@handler("noop")
def _noop(sh: Shell, m: Match) -> Reply:
    return Reply()


@handler("version")
def _version(sh: Shell, m: Match) -> Reply:
    return Reply(sh.dialect.views.version(sh.device))


@handler("running")
def _running(sh: Shell, m: Match) -> Reply:
    return Reply(sh.device.render_text())


@handler("running_interface")
def _running_interface(sh: Shell, m: Match) -> Reply:
    node = sh.device.running.child(f"interface {m.args[0]}")
    if node is None:
        return Reply(sh.error(m.line, _failure(len(m.words) - 1)))
    lines = [node.text] + [" " * (d + 1) + n.text for d, n in node.walk()]
    sep = sh.dialect.style.separator
    return Reply("\n".join([sep, *lines, sep, "return"]) + "\n")


@handler("startup")
def _startup(sh: Shell, m: Match) -> Reply:
    return Reply(sh.device.render_text(sh.device.startup))


@handler("interfaces_brief")
def _interfaces_brief(sh: Shell, m: Match) -> Reply:
    return Reply(sh.dialect.views.interfaces_brief(sh.device))


@handler("ip_interfaces_brief")
def _ip_interfaces_brief(sh: Shell, m: Match) -> Reply:
    return Reply(sh.dialect.views.ip_interfaces_brief(sh.device))


@handler("interfaces")
def _interfaces(sh: Shell, m: Match) -> Reply:
    return Reply(sh.dialect.views.interfaces(sh.device, m.args[0] if m.args else None))


@handler("lldp")
def _lldp(sh: Shell, m: Match) -> Reply:
    return Reply(sh.dialect.views.lldp(sh.device))


@handler("arp")
def _arp(sh: Shell, m: Match) -> Reply:
    return Reply(sh.dialect.views.arp(sh.device))


@handler("routes")
def _routes(sh: Shell, m: Match) -> Reply:
    return Reply(sh.dialect.views.routes(sh.device))


@handler("serial")
def _serial(sh: Shell, m: Match) -> Reply:
    return Reply(sh.dialect.views.serial(sh.device))


@handler("clock")
def _clock(sh: Shell, m: Match) -> Reply:
    now = sh.device.now()
    return Reply(f"{now:%Y-%m-%d %H:%M:%S}\n{now:%A}\nTime Zone(DefaultZoneName) : UTC\n")


@handler("users")
def _users(sh: Shell, m: Match) -> Reply:
    return Reply(
        "  User-Intf    Delay    Type   Network Address     AuthenStatus    AuthorcmdFlag\n"
        f"+ 34  VTY 0   00:00:00  SSH    127.0.0.1           pass\n  Username : {sh.user}\n"
    )


# -- files ------------------------------------------------------------------------------
def _failure(index: int) -> Failure:
    return Failure("unrecognized", index)


@handler("dir")
def _dir(sh: Shell, m: Match) -> Reply:
    try:
        return Reply(sh.dialect.views.dir(sh.device, m.args[0] if m.args else None))
    except FlashPathError as exc:
        return Reply(f"Error: {exc}\n")


@handler("md5")
def _md5(sh: Shell, m: Match) -> Reply:
    path = m.args[0]
    if not sh.device.flash.exists(path):
        return Reply(sh.dialect.messages.file_missing + "\n")
    name = sh.device.flash.relative(path)
    return Reply(f"MD5 of flash:/{name}:\n{name}  {sh.device.flash.md5(path)}\n")


@handler("delete")
def _delete(sh: Shell, m: Match) -> Reply:
    path = m.args[-1]
    flash = sh.device.flash

    def remove(answer: str = "y") -> Reply:
        if not yes(answer):
            return Reply()
        if flash.delete(path):
            return Reply(f"Info: Deleting file flash:/{flash.relative(path)}...succeeded.\n")
        return Reply(sh.dialect.messages.file_missing + "\n")

    if not flash.exists(path):
        return Reply(sh.dialect.messages.file_missing + "\n")
    if "/quiet" in m.words:
        return remove()
    return ask(f"Delete flash:/{flash.relative(path)}? (y/n)[n]:", remove)


# -- modes --------------------------------------------------------------------------------
@handler("enter_config")
def _enter_config(sh: Shell, m: Match) -> Reply:
    sh.mode = "config"
    sh.path = ()
    return Reply(
        sh.dialect.extra.get("config_banner", "") + "\n"
        if sh.dialect.extra.get("config_banner")
        else ""
    )


@handler("logout")
def _logout(sh: Shell, m: Match) -> Reply:
    return Reply(close=True)


def go_user_mode(sh: Shell) -> Reply:
    """Leave configuration mode."""
    sh.mode = sh.dialect.extra.get("exec_mode", "user")
    sh.path = ()
    sh.immediate = False
    return Reply()


@handler("config_quit")
def _config_quit(sh: Shell, m: Match) -> Reply:
    return _leave_view(sh, to_user=False)


@handler("config_return")
def _config_return(sh: Shell, m: Match) -> Reply:
    return _leave_view(sh, to_user=True)


def _leave_view(sh: Shell, to_user: bool) -> Reply:
    leaving_config = to_user or not sh.path
    if not leaving_config:
        sh.path = sh.path[:-1]
        return Reply()
    if sh.dirty:

        def answer(text: str) -> Reply:
            choice = text.strip().lower()[:1]
            if choice not in ("y", "n"):
                return Reply()
            if choice == "y":
                commit_candidate(sh, "")
            sh.discard_candidate()
            return go_user_mode(sh)

        return ask(
            "Warning: Uncommitted configurations found. Are you sure to commit them before "
            "exiting? [Y(yes)/N(no)/C(cancel)]:",
            answer,
        )
    sh.discard_candidate()
    return go_user_mode(sh)


# -- save -------------------------------------------------------------------------------------
@handler("save")
def _save(sh: Shell, m: Match) -> Reply:
    path = m.args[0] if m.args else None
    messages = sh.dialect.messages

    def answer(text: str) -> Reply:
        if not yes(text):
            return Reply()
        sh.device.save(path)
        return Reply(messages.save_done + "\n")

    if path:
        try:
            name = sh.device.flash.relative(path)
        except FlashPathError as exc:
            return Reply(f"Error: {exc}\n")
        return ask(f"Are you sure to save the configuration to flash:/{name}? [Y/N]:", answer)
    return ask(messages.save_question, answer)


@handler("save_force")
def _save_force(sh: Shell, m: Match) -> Reply:
    path = m.args[0] if m.args else None
    sh.device.save(path)
    return Reply(sh.dialect.messages.save_done + "\n")


# -- VRP8 two-stage commit -------------------------------------------------------------------
def commit_candidate(sh: Shell, comment: str) -> bool:
    """Commit the session's candidate if it differs from running."""
    if sh.candidate is None:
        return False
    if not sh.device.diff(sh.device.running, sh.candidate):
        sh.discard_candidate()
        return False
    sh.device.commit(sh.candidate, sh.user, comment)
    sh.discard_candidate()
    return True


@handler("commit")
def _commit(sh: Shell, m: Match) -> Reply:
    comment = m.args[0].strip('"') if m.args else ""
    confirmed = sh.device.pending is not None and sh.device.pending.kind == "trial"
    if confirmed:
        sh.device.confirm_pending()
    commit_candidate(sh, comment)
    return Reply("Info: The trial commit has been confirmed.\n" if confirmed else "")


@handler("commit_trial")
def _commit_trial(sh: Shell, m: Match) -> Reply:
    seconds = int(m.args[0]) if m.args else 600
    if not 60 <= seconds <= 65535:
        return Reply(
            " " * (len(sh.prompt()) + len(m.line) - len(m.args[0])) + "^\n"
            "Error: Wrong parameter found at '^' position.\n"
        )
    if sh.device.pending is not None:
        return Reply("Error: A trial commit is in progress. Run commit or abort trial first.\n")
    before = sh.device.running.clone()
    if sh.candidate is not None:
        sh.device.commit(sh.candidate, sh.user, f"trial {seconds}")
        sh.discard_candidate()
    pending = sh.device.start_pending("trial", sh.user, seconds)
    pending.snapshot = before
    return Reply(
        f"Info: The configuration will be rolled back in {seconds} seconds unless the "
        "commit command is run to confirm it.\n"
    )


@handler("trial_status")
def _trial_status(sh: Shell, m: Match) -> Reply:
    """``display configuration trial status``: whether a ``commit trial`` awaits confirmation."""
    pending = sh.device.pending
    if pending is None or pending.kind != "trial":
        return Reply("Trial status     : idle\n")
    elapsed = (sh.device.now() - pending.configured).total_seconds()
    remaining = max(0, int(pending.device_seconds - elapsed))
    return Reply(
        f"Trial status     : running\nRemaining time(s): {remaining}\nUser             : "
        f"{pending.user}\nStart time       : {pending.configured:%Y-%m-%d %H:%M:%S}\n"
    )


@handler("abort_trial")
def _abort_trial(sh: Shell, m: Match) -> Reply:
    if sh.device.pending is None or sh.device.pending.kind != "trial":
        return Reply("Error: No trial commit is in progress.\n")
    sh.device.revert_pending("aborted")
    return Reply("Info: The trial commit has been aborted.\n")


@handler("commit_list")
def _commit_list(sh: Shell, m: Match) -> Reply:
    rule = "-" * 88
    rows = [
        f"{sh.device.now():%Y-%m-%d %H:%M:%S}+00:00",
        rule,
        f"{'No.':<6}{'CommitId':<13}{'Label':<23}{'User':<13}TimeStamp",
    ]
    for index, record in enumerate(reversed(sh.device.commits), start=1):
        rows.append(
            f"{index:<6}{record.commit_id:<13}{'-':<23}{record.user:<13}"
            f"{record.timestamp:%Y-%m-%d %H:%M:%S}+00:00"
        )
    rows.append(rule)
    return Reply("\n".join(rows) + "\n")


@handler("candidate")
def _candidate(sh: Shell, m: Match) -> Reply:
    tree = sh.candidate or sh.device.running
    return Reply("\n".join(render_config(tree, sh.dialect.style)) + "\n")


@handler("candidate_changes")
def _candidate_changes(sh: Shell, m: Match) -> Reply:
    if sh.candidate is None:
        return Reply("")
    return Reply("\n".join(sh.device.diff(sh.device.running, sh.candidate)) + "\n")


@handler("rollback_commit")
def _rollback_commit(sh: Shell, m: Match) -> Reply:
    record = sh.device.rollback_to_commit(int(m.args[0]), sh.user)
    if record is None:
        return Reply("Error: The specified commit ID does not exist.\n")
    return Reply("Info: Succeeded in rolling back the configuration.\n")


@handler("rollback_last")
def _rollback_last(sh: Shell, m: Match) -> Reply:
    count = int(m.args[0])
    commits = sh.device.commits
    if not 1 <= count <= len(commits):
        return Reply("Error: The number of commits to roll back is out of range.\n")
    sh.device.rollback_to_commit(commits[-count].commit_id, sh.user)
    return Reply("Info: Succeeded in rolling back the configuration.\n")


@handler("rollback_file")
def _rollback_file(sh: Shell, m: Match) -> Reply:
    path = m.args[0]
    device = sh.device

    def answer(text: str) -> Reply:
        if not yes(text):
            return Reply()
        tree, _errors = device.load_file(path)
        if tree is None:
            return Reply(sh.dialect.messages.file_missing + "\n")
        before = device.running
        device.set_running(tree)
        if sh.dialect.two_stage:
            device.record_commit(sh.user, before, f"rollback to file {path}")
        return Reply("Info: Rollback configuration succeeded.\n")

    if not device.flash.exists(path):
        return Reply(sh.dialect.messages.file_missing + "\n")
    return ask(
        f"Warning: The current configuration will be rolled back to the configuration in "
        f"file {path}. Continue? [Y/N]:",
        answer,
    )


# -- Comware commit delay / replace -------------------------------------------------------------
@handler("commit_delay")
def _commit_delay(sh: Shell, m: Match) -> Reply:
    minutes = int(m.args[0])
    if not 1 <= minutes <= 65535:
        return Reply(sh.error(m.line, _failure(3)))
    sh.device.start_pending("delay", sh.user, minutes * 60)
    return Reply()


@handler("commit_confirm_delay")
def _commit_confirm_delay(sh: Shell, m: Match) -> Reply:
    sh.device.confirm_pending()
    return Reply()


@handler("replace_file")
def _replace_file(sh: Shell, m: Match) -> Reply:
    path = m.args[0]
    device = sh.device
    if not device.flash.exists(path):
        return Reply(f"The file {path} does not exist.\n")

    def answer(text: str) -> Reply:
        if text.strip().lower()[:1] not in ("y", "n"):
            return Reply()
        tree, _errors = device.load_file(path)
        if tree is None:
            return Reply(f"The file {path} does not exist.\n")
        device.set_running(tree)
        return Reply(
            "Info: Now replacing the current configuration. Please wait...\n"
            f"Info: Succeeded in replacing current configuration with the file {path}.\n"
        )

    return ask("Current configuration will be lost, save current configuration? [Y/N]:", answer)
