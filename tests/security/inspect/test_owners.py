"""Address -> owner: the longest-prefix match agrees with a brute-force ipaddress scan."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from security.inspect.decode import V6, address_value
from security.inspect.owners import OwnerIndex
from security.inspect.points import AddressPlan

V4_NETS = st.builds(
    lambda value, length: ipaddress.IPv4Network((value, length), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)
V6_NETS = st.builds(
    lambda value, length: ipaddress.IPv6Network((value, length), strict=False),
    st.integers(0, 2**128 - 1),
    st.integers(0, 128),
)


def _brute(prefixes: list[tuple[ipaddress._BaseNetwork, str]], value: int) -> str | None:
    address: ipaddress._BaseAddress = (
        ipaddress.IPv6Address(value ^ V6) if value & V6 else ipaddress.IPv4Address(value)
    )
    best = None
    for net, owner in prefixes:
        inside = net.version == address.version and address in net
        if inside and (best is None or net.prefixlen >= best[0].prefixlen):
            best = (net, owner)
    return best[1] if best else None


@settings(max_examples=200, deadline=None)
@given(
    nets=st.lists(st.one_of(V4_NETS, V6_NETS), max_size=12),
    probes=st.lists(
        st.one_of(st.integers(0, 2**32 - 1), st.integers(0, 2**128 - 1).map(lambda v: v | V6)),
        max_size=10,
    ),
)
def test_longest_prefix_match_equals_brute_force(
    nets: list[ipaddress._BaseNetwork], probes: list[int]
) -> None:
    prefixes = [(net, f"N{i}") for i, net in enumerate(nets)]
    index = OwnerIndex((str(net), owner, None) for net, owner in prefixes)
    for net, _owner in prefixes:  # every network's own addresses are probed too
        probes.append(address_value(str(net.network_address)))
    for value in probes:
        assert index.owner(value)[0] == _brute(prefixes, value)


def test_zones_of_the_plan() -> None:
    plan = AddressPlan(
        extranet=(ipaddress.ip_network("10.112.0.0/13"), ipaddress.ip_network("2001:db8::/32")),
        intranet=(ipaddress.ip_network("10.200.0.0/16"),),
    )
    zone = {a: plan.zone(address_value(a)) for a in (
        "10.112.0.1", "10.200.9.9", "8.8.8.8", "224.0.0.5", "255.255.255.255", "169.254.1.1",
        "2001:db8::1", "2001:4860::8888", "ff02::1", "fe80::1",
    )}  # fmt: skip
    assert zone == {
        "10.112.0.1": "extranet", "10.200.9.9": "intranet", "8.8.8.8": "internet",
        "224.0.0.5": "local", "255.255.255.255": "local", "169.254.1.1": "local",
        "2001:db8::1": "extranet", "2001:4860::8888": "internet", "ff02::1": "local",
        "fe80::1": "local",
    }  # fmt: skip
