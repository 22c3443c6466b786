"""Secrets never survive masking, whatever they look like; everything else is left alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory.platforms import PLATFORMS
from provisioning.secrets import REDACTED, sanitize

SECRET = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=4, max_size=40
)
#: Where each platform prints a secret (``{}`` is the secret).
PLACES = {
    "huawei_vrp5": (
        " local-user netops password irreversible-cipher {}",
        " snmp-agent community read cipher {}",
        " snmp-agent usm-user v3 nms NMS authentication-mode sha cipher {} privacy-mode aes128 "
        "cipher {}",
    ),
    "huawei_vrp8": (
        "snmp-agent usm-user v3 nms authentication-mode sha cipher {}",
        "snmp-agent usm-user v3 nms privacy-mode aes128 cipher {}",
        " local-user netops password irreversible-cipher {}",
    ),
    "h3c_comware7": (
        " password hash {}",
        " snmp-agent community read simple {}",
        " snmp-agent usm-user v3 nms NMS cipher authentication-mode sha {} privacy-mode aes128 {}",
    ),
    "cisco_ios": (
        "username netops privilege 15 secret 9 {}",
        "enable secret 5 {}",
        "snmp-server community {} RO",
        "snmp-server user nms NMS v3 auth sha {} priv aes 128 {} access MGMT",
        " password 7 {}",
    ),
}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@settings(max_examples=50, deadline=None)
@given(secrets=st.lists(SECRET, min_size=2, max_size=2), index=st.integers(0, 4))
def test_every_secret_is_masked(platform: str, secrets: list[str], index: int) -> None:
    place = PLACES[platform][index % len(PLACES[platform])]
    line = place.format(*secrets[: place.count("{}")])
    masked = sanitize(line, platform)
    assert masked == place.format(*[REDACTED] * place.count("{}"))
    assert sanitize(masked, platform) == masked


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_lines_without_secrets_are_untouched(platform: str) -> None:
    text = "interface GE1/0/1\n description uplink\n ip address 10.0.0.1 255.255.255.252\n#"
    assert sanitize(text, platform) == text
