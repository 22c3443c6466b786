"""Words the templates translate from data values (``_(alarm.severity)``...).

Listed here so that ``pybabel extract -k N_`` finds them; the catalogue test
checks that every value of these vocabularies is translated.
"""

from __future__ import annotations


def N_(text: str) -> str:
    return text


ROLES = (N_("admin"), N_("engineer"), N_("security"), N_("operator"), N_("auditor"))
SEVERITIES = (N_("critical"), N_("major"), N_("minor"), N_("warning"))
HEALTH = (N_("ok"), N_("degraded"), N_("down"), N_("unknown"))
LEVELS = (N_("city"), N_("county"), N_("township"), N_("village"))
NODE_ROLES = (
    N_("core"),
    N_("egress-firewall"),
    N_("aggregation"),
    N_("township-router"),
    N_("village-cpe"),
    N_("access-switch"),
    N_("firewall"),
    N_("vpn-gateway"),
    N_("server"),
    N_("isp"),
)
STATUSES = (N_("planned"), N_("active"), N_("retired"))
NETWORKS = (N_("extranet"), N_("intranet"), N_("internet"))
RANGES = (N_("last 1h"), N_("last 6h"), N_("last 24h"), N_("last 7d"))
LINK_KINDS = (N_("uplink"), N_("peer"), N_("isp"), N_("intranet"))
PREFIX_ROLES = (
    N_("city-block"),
    N_("county-pool"),
    N_("township-pool"),
    N_("subnet"),
    N_("loopback-pool"),
    N_("loopback"),
    N_("transit-pool"),
    N_("p2p"),
    N_("management"),
)
