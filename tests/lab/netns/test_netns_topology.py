"""The topology description and the static routes derived from it (pure data)."""

from __future__ import annotations

import doctest

import pytest

import lab.netns.nft
import lab.netns.probes
import lab.netns.topology
from lab.netns import (
    EGRESS_ROLE,
    EXTRANET,
    INTERNET,
    INTRANET,
    NetnsLink,
    NetnsNode,
    NetnsTopology,
    TopologyError,
    small_topology,
)


@pytest.mark.parametrize("module", [lab.netns.topology, lab.netns.nft, lab.netns.probes])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


def test_small_topology_shape() -> None:
    topo = small_topology()
    topo.validate()
    assert 9 <= len(topo.nodes) <= 12
    roles = {n.role for n in topo.nodes}
    assert {"city_core", EGRESS_ROLE, "county", "township", "village"} <= roles
    zones = {n.code: n.zone for n in topo.nodes}
    assert zones["inet"] == INTERNET and zones["intra"] == INTRANET
    assert topo.links_of("intra") == []
    assert [link.peer_of("inet") for link in topo.links_of("inet")] == ["egr"]
    for link in topo.links:
        assert link.subnet().prefixlen == 30


def test_every_extranet_default_route_leads_to_the_egress() -> None:
    topo = small_topology()
    routes = topo.routes()
    by_address = {
        link.address_of(end).split("/")[0]: end for link in topo.links for end in link.ends()
    }
    for node in topo.nodes:
        defaults = [r for r in routes[node.code] if r.prefix == "default"]
        if node.zone != EXTRANET:
            assert routes[node.code] == [], node.code
            continue
        assert len(defaults) == 1, node.code
        # Follow default next hops: they must reach the egress, then the internet host.
        hop, seen = node.code, set()
        while hop != "inet":
            assert hop not in seen, f"default-route loop at {hop}"
            seen.add(hop)
            via = next(r.via for r in routes[hop] if r.prefix == "default")
            hop = by_address[via]
        assert "egr" in seen


def test_routes_cover_every_remote_subnet_and_loopback() -> None:
    topo = small_topology()
    routes = topo.routes()
    extranet = [n for n in topo.nodes if n.zone == EXTRANET]
    subnets = {str(link.subnet()) for link in topo.links if "inet" not in link.ends()}
    for node in extranet:
        have = {r.prefix for r in routes[node.code]}
        connected = {str(link.subnet()) for link in topo.links_of(node.code)}
        assert subnets - connected <= have, node.code
        loopbacks = {n.loopback for n in extranet if n.code != node.code}
        assert loopbacks <= have, node.code
        assert "10.254.2.1/32" not in have  # the intranet host is never routed to


@pytest.mark.parametrize(
    ("topology", "message"),
    [
        (NetnsTopology((NetnsNode("Bad", "x"),)), "code must match"),
        (NetnsTopology((NetnsNode("a", "x"), NetnsNode("a", "y"))), "duplicate"),
        (NetnsTopology((NetnsNode("a", "x", "dmz"),)), "zone 'dmz'"),
        (
            NetnsTopology(
                (NetnsNode("a", EGRESS_ROLE), NetnsNode("b", EGRESS_ROLE)),
            ),
            "more than one egress",
        ),
        (
            NetnsTopology(
                (NetnsNode("a", "x"), NetnsNode("b", "y")),
                (NetnsLink("a", "c", "10.254.0.1/30", "10.254.0.2/30"),),
            ),
            "unknown node 'c'",
        ),
        (
            NetnsTopology(
                (NetnsNode("a", "x"), NetnsNode("b", "y")),
                (NetnsLink("a", "b", "10.254.0.1/30", "10.254.0.5/30"),),
            ),
            "one subnet",
        ),
        (
            NetnsTopology(
                (NetnsNode("a", "x"), NetnsNode("b", "y")),
                (
                    NetnsLink("a", "b", "10.254.0.1/30", "10.254.0.2/30"),
                    NetnsLink("b", "a", "10.254.0.5/30", "10.254.0.6/30"),
                ),
            ),
            "parallel",
        ),
    ],
)
def test_validation_names_the_culprit(topology: NetnsTopology, message: str) -> None:
    with pytest.raises(TopologyError, match=message):
        topology.validate()


def test_unknown_node_lists_the_known_ones() -> None:
    with pytest.raises(TopologyError, match="known: egr, cty"):
        small_topology().node("nowhere")
