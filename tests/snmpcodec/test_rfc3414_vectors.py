"""RFC 3414 appendix A.3: password to key and key localisation, MD5 and SHA."""

from __future__ import annotations

import pytest

from snmpcodec.usm import localize_key, password_to_key

ENGINE_ID = bytes.fromhex("000000000000000000000002")


@pytest.mark.parametrize(
    ("hash_name", "ku", "kul"),
    [
        # A.3.1
        ("md5", "9faf3283884e92834ebc9847d8edd963", "526f5eed9fcce26f8964c2930787d82b"),
        # A.3.2
        (
            "sha1",
            "9fb5cc0381497b3793528939ff788d5d79145211",
            "6695febc9288e36282235fc7151f128497b38f3f",
        ),
    ],
)
def test_rfc3414_key_localisation(hash_name: str, ku: str, kul: str) -> None:
    assert password_to_key(hash_name, "maplesyrup").hex() == ku
    assert localize_key(hash_name, "maplesyrup", ENGINE_ID).hex() == kul
