"""Untrusted SNMP tables and fetched texts: the running-network decoders never raise, decode
what well-formed rows say, and one bad device never costs the others."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from security.network import LinkInfo, NetworkContext, NodeInfo
from security.running import (
    COLUMNS,
    Observed,
    check_running,
    decode_arp,
    decode_inet_cidr,
    decode_ip_cidr,
    decode_lldp,
    decode_tables,
    observed_violations,
    resolve_name,
)
from snmpcodec.ber import TAG_INTEGER, TAG_OCTET_STRING, encode_arcs

INTRANET = ipaddress.IPv4Network("10.200.0.0/16")
CTX = NetworkContext(
    intranet_blocks=(INTRANET,),
    nodes={
        "A": NodeInfo("A", role="township-router"),
        "B": NodeInfo("B", role="aggregation"),
        "NW": NodeInfo("NW", network="intranet"),
        "FW": NodeInfo("FW", role="egress-firewall"),
    },
    links=(LinkInfo("A", "GE0/0/1", "B", "GE0/0/1"),),
)

values = st.one_of(st.none(), st.integers(-(2**63), 2**64), st.binary(max_size=40))
rows = st.dictionaries(
    st.one_of(
        st.binary(max_size=40), st.lists(st.integers(0, 2**32 - 1), max_size=20).map(encode_arcs)
    ),
    st.tuples(st.integers(0, 255), values),
    max_size=12,
)
tables = st.dictionaries(st.sampled_from([*COLUMNS, "other"]), rows, max_size=len(COLUMNS) + 1)
addresses = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)


@settings(max_examples=400, deadline=None)
@given(tables)
def test_arbitrary_tables_never_raise(raw: dict[str, dict[bytes, tuple[int, Any]]]) -> None:
    observed = decode_tables(raw)
    assert observed.skipped >= 0
    for code in ("A", "B", "NW", "FW", "UNKNOWN"):
        for v in observed_violations(code, observed, CTX):
            assert v.observations and v.invariant in (
                "single-egress",
                "zone-isolation",
                "intranet-air-gap",
            )


@given(addresses, st.integers(0, 32), addresses, st.integers(1, 2**31 - 1))
def test_well_formed_route_rows_decode_to_what_they_say(
    dest: ipaddress.IPv4Address, length: int, hop: ipaddress.IPv4Address, if_index: int
) -> None:
    net = ipaddress.IPv4Network(f"{dest}/{length}", strict=False)
    d, m, h = net.network_address.packed, net.netmask.packed, hop.packed
    ip_rows = {encode_arcs((*d, *m, 0, *h)): (TAG_INTEGER, if_index)}
    inet_rows = {encode_arcs((1, 4, *d, length, 2, 0, 0, 1, 4, *h)): (TAG_INTEGER, if_index)}
    for decode, table in ((decode_ip_cidr, ip_rows), (decode_inet_cidr, inet_rows)):
        (route,), bad = decode(table)
        assert (route.prefix, route.next_hop, bad) == (net, hop, 0)
        assert route.observation.value == f"ifIndex {if_index}"


@given(addresses, st.binary(min_size=6, max_size=6), st.integers(1, 2**31 - 1))
def test_well_formed_arp_rows_decode_and_intranet_ones_are_caught(
    address: ipaddress.IPv4Address, mac: bytes, if_index: int
) -> None:
    media = {encode_arcs((if_index, *address.packed)): (TAG_OCTET_STRING, mac)}
    physical = {encode_arcs((if_index, 1, 4, *address.packed)): (TAG_OCTET_STRING, mac)}
    entries, bad = decode_arp(media, physical)
    assert bad == 0 and [(e.address, e.if_index) for e in entries] == [(address, if_index)]
    assert entries[0].mac == ":".join(f"{b:02x}" for b in mac)
    found = observed_violations("A", Observed(arp=tuple(entries)), CTX)
    assert len(found) == (1 if address in INTRANET else 0)
    on_intranet = observed_violations("NW", Observed(arp=tuple(entries)), CTX)
    assert len(on_intranet) == (1 if CTX.in_extranet(address) else 0)


@given(st.text(max_size=30), st.integers(1, 2**31 - 1))
def test_lldp_names_of_any_text(name: str, port: int) -> None:
    raw = name.encode("utf-8", "surrogatepass")
    sys_names = {encode_arcs((0, port, 1)): (TAG_OCTET_STRING, raw)}
    local = {encode_arcs((port,)): (TAG_OCTET_STRING, b"GE0/0/1")}
    (n,), bad = decode_lldp(sys_names, {}, local)
    assert bad == 0 and n.local_port == "GE0/0/1"
    violations = observed_violations("A", Observed(neighbours=(n,)), CTX)
    # only the linked neighbour B is expected; anything else is one violation
    expected = 0 if resolve_name(n.sys_name, CTX, {}) == "B" else 1
    assert len(violations) == expected


texts = st.one_of(
    st.text(max_size=200),
    st.just("sysname A\ninterface GigabitEthernet0/0/1\n ip address 10.110.0.1 255.255.255.252\n"),
    st.builds(OSError, st.just("connection refused")),
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["A", "B", "NW"]), texts, min_size=1), tables)
def test_check_running_never_raises_and_reports_each_bad_device(
    fetched: dict[str, Any], raw: dict[str, dict[bytes, tuple[int, Any]]]
) -> None:
    def fetcher(codes: Iterable[str]) -> Mapping[str, Any]:
        return {c: fetched[c] for c in codes if c in fetched}

    def observer(codes: Iterable[str], _columns: Mapping[str, str]) -> Mapping[str, Any]:
        return {c: raw for c in codes if c != "NW"}

    report = check_running(["A", "B", "NW"], CTX, fetcher, observer)
    assert report.devices == 3
    assert "NW" in report.unreachable  # never observed
    for code in ("A", "B"):
        if not isinstance(fetched.get(code), str):
            assert code in report.unreachable
    report.to_dict()
