"""nftables rulesets of the lab: per-interface loss chains and the egress NAT.

Every namespace gets table ``inet egnetlab`` whose postrouting filter chain
jumps to one (initially empty) ``loss_<n>`` chain per veth; loss is a single
``numgen random mod 10000 < N drop`` rule in that chain (this kernel has no
netem). The egress also gets ``ip egnetnat`` masquerading out of its
internet-facing veth, and a forward rule dropping new connections that come
in from the internet (the firewall's explicit deny).
"""

from __future__ import annotations

TABLE = "egnetlab"
NAT_TABLE = "egnetnat"

#: Loss resolution: numgen draws from 0..LOSS_SCALE-1 (0.01 % steps).
LOSS_SCALE = 10000


def loss_chain(index: int) -> str:
    """Name of the loss chain of the node's ``index``-th interface.

    >>> loss_chain(3)
    'loss_3'
    """
    return f"loss_{index}"


def base_ruleset(ifnames: list[str], isp_ifname: str | None) -> str:
    """The ruleset loaded with ``nft -f`` into a node's namespace at ``up``."""
    lines = [
        f"table inet {TABLE} {{",
        "  chain post {",
        "    type filter hook postrouting priority 0; policy accept;",
    ]
    lines += [f'    oifname "{name}" jump {loss_chain(i)}' for i, name in enumerate(ifnames)]
    lines.append("  }")
    lines += [f"  chain {loss_chain(i)} {{\n  }}" for i in range(len(ifnames))]
    if isp_ifname is not None:
        lines += [
            "  chain inbound {",
            "    type filter hook forward priority 0; policy accept;",
            f'    iifname "{isp_ifname}" ct state established,related accept',
            f'    iifname "{isp_ifname}" counter drop comment "egress: deny inbound"',
            "  }",
        ]
    lines.append("}")
    if isp_ifname is not None:
        lines += [
            f"table ip {NAT_TABLE} {{",
            "  chain post {",
            "    type nat hook postrouting priority 100; policy accept;",
            f'    oifname "{isp_ifname}" masquerade',
            "  }",
            "}",
        ]
    return "\n".join(lines) + "\n"


def loss_rules(index: int, percent: float) -> str:
    """An ``nft -f`` script replacing the loss of interface ``index`` with ``percent``.

    >>> print(loss_rules(0, 12.5), end="")
    flush chain inet egnetlab loss_0
    add rule inet egnetlab loss_0 numgen random mod 10000 < 1250 counter drop
    """
    threshold = round(percent * LOSS_SCALE / 100)
    script = f"flush chain inet {TABLE} {loss_chain(index)}\n"
    if threshold > 0:
        script += (
            f"add rule inet {TABLE} {loss_chain(index)} "
            f"numgen random mod {LOSS_SCALE} < {threshold} counter drop\n"
        )
    return script
