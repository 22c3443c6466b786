"""Intended configurations: inventory → :class:`~provisioning.context.NodeContext` → Jinja2.

Templates live in the top-level ``templates`` package (``<platform>/<role>.j2``),
rendered with ``StrictUndefined`` so a missing fact is an error, never an empty
line. The output is the configuration as the device prints it
(``display current-configuration`` / ``show running-config``), so it compares
line for line with a running configuration.

Secrets (local user password, SNMPv3 keys) are rendered as :data:`REDACTED`
unless the caller passes their values (only for a push, never for display);
:mod:`provisioning.secrets` masks the same places in running configurations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jinja2

from inventory.state import load_state

from .context import CityIndex, NodeContext, State
from .errors import RenderError
from .secrets import REDACTED
from .settings import RenderSettings

#: The secrets a template may ask for (names of a credential set's fields).
SECRET_NAMES = frozenset({"local_password", "snmp_auth_key", "snmp_priv_key"})


@dataclass(frozen=True)
class PlatformTraits:
    """How a platform prints what the shared snippets render (data, not branches)."""

    #: Indentation of top-level leaf lines (VRP5 prints `` sysname X``; CE/VRP8 ``sysname X``).
    global_indent: str
    #: Keyword of the NTP client lines (VRP8 prints ``ntp``, VRP5 and Comware ``ntp-service``).
    ntp: str
    v8: bool = False


TRAITS: dict[str, PlatformTraits] = {
    "huawei_vrp5": PlatformTraits(global_indent=" ", ntp="ntp-service"),
    "huawei_vrp8": PlatformTraits(global_indent="", ntp="ntp", v8=True),
    "h3c_comware7": PlatformTraits(global_indent=" ", ntp="ntp-service"),
    "cisco_ios": PlatformTraits(global_indent="", ntp="ntp"),
}


@dataclass(frozen=True)
class RenderedConfig:
    """The intended configuration of one device."""

    node: str
    platform: str
    role: str
    template: str
    #: As the device prints it; secrets are :data:`REDACTED` unless values were given.
    text: str
    #: Commands the device accepts but never prints (IOS ``snmp-server user``): pushed, not compared.
    write_only: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return self.text.splitlines()


def environment() -> jinja2.Environment:
    """The template environment (templates packaged in ``templates``)."""
    root = resources.files("templates")
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - device configuration text, never HTML
    )


class Renderer:
    """Renders any device of one inventory state (index built once)."""

    def __init__(self, state: State, settings: RenderSettings | None = None) -> None:
        self.settings = settings or RenderSettings()
        self.index = CityIndex(state, self.settings)
        self.env = environment()

    def devices(self) -> list[str]:
        """Codes of every renderable device, sorted."""
        return self.index.devices()

    def context(self, code: str, platform: str | None = None) -> NodeContext:
        return self.index.context(code, platform)

    def render(
        self,
        code: str,
        platform: str | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> RenderedConfig:
        """The intended configuration of ``code`` (as ``platform`` when given)."""
        return self.render_context(self.index.context(code, platform), secrets)

    def render_context(
        self, ctx: NodeContext, secrets: Mapping[str, str] | None = None
    ) -> RenderedConfig:
        """Render a context (built by the index, or by hand in tests)."""
        name = f"{ctx.platform}/{ctx.role}.j2"

        def secret(key: str) -> str:
            if key not in SECRET_NAMES:
                raise RenderError(f"{name}: unknown secret {key!r}")
            if secrets is None:
                return REDACTED
            try:
                return secrets[key]
            except KeyError:
                raise RenderError(f"{ctx.code}: secret {key!r} was not given") from None

        values: dict[str, Any] = {
            "n": ctx,
            "s": ctx.settings,
            "p": TRAITS[ctx.platform],
            "secret": secret,
        }
        try:
            text = self.env.get_template(name).render(values)
            write_only = self._write_only(ctx, values)
        except jinja2.TemplateNotFound as exc:
            raise RenderError(f"no template {exc.name} for {ctx.code} ({ctx.role})") from None
        except jinja2.UndefinedError as exc:
            raise RenderError(f"{name} ({ctx.code}): {exc.message}") from None
        return RenderedConfig(ctx.code, ctx.platform, ctx.role, name, text, write_only)

    def _write_only(self, ctx: NodeContext, values: dict[str, Any]) -> tuple[str, ...]:
        name = f"{ctx.platform}/write-only.j2"
        try:
            template = self.env.get_template(name)
        except jinja2.TemplateNotFound:
            return ()
        return tuple(line for line in template.render(values).splitlines() if line.strip())

    def render_all(self, platform: str | None = None) -> list[RenderedConfig]:
        """Every device, in code order."""
        return [self.render(code, platform) for code in self.devices()]


def render_node(
    source: Any,
    node_code: str,
    *,
    platform: str | None = None,
    settings: RenderSettings | None = None,
) -> RenderedConfig:
    """Render one node from an inventory (the :class:`inventory.service.Inventory`),
    a SQLAlchemy session, or a state mapping; secrets are redacted."""
    return Renderer(load_source(source), settings).render(node_code, platform)


def load_source(source: Any) -> State:
    """The inventory state of ``source``: an ``Inventory``, a ``Session`` or a state."""
    if isinstance(source, Mapping):
        return source
    sessions = getattr(source, "sessions", None)
    if sessions is not None:
        with sessions() as session:
            return load_state(session)[0]
    return load_state(source)[0]
