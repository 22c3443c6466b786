"""SNMPv3 User-based Security Model for the lab agent (RFC 3414, RFC 3826).

Keys are localised from passwords (1 MiB password expansion, then
``H(Ku + engineID + Ku)``); HMAC-MD5-96, HMAC-SHA-96 and the RFC 7860 SHA-2
variants authenticate; AES-128-CFB and DES-CBC encrypt. Password expansion
is cached by password, localisation by engine, so thousands of devices with
the same lab credentials cost one expansion.
"""

from __future__ import annotations

import functools
import hashlib
import os
from dataclasses import dataclass, field

from lab.snmp.ber import (
    TAG_COUNTER32,
    TAG_OCTET_STRING,
    TAG_SEQUENCE,
    Oid,
    encode_integer,
    encode_length,
    encode_octets,
    encode_oid_content,
    encode_unsigned,
    tlv,
)
from lab.snmp.errors import SnmpLabError
from snmpcodec.usm import AuthProtocol as AuthProtocol
from snmpcodec.usm import V3Message as V3Message
from snmpcodec.usm import localize_key as localize_key  # shared with the poller
from snmpcodec.usm import password_to_key as password_to_key
from snmpcodec.usm import usm_decrypt, usm_digest, usm_encrypt

FLAG_AUTH = 0x01
FLAG_PRIV = 0x02
FLAG_REPORTABLE = 0x04
USM_MODEL = 3
TIME_WINDOW = 150

_USM_STATS = (1, 3, 6, 1, 6, 3, 15, 1, 1)
UNSUPPORTED_SEC_LEVELS: Oid = (*_USM_STATS, 1, 0)
NOT_IN_TIME_WINDOWS: Oid = (*_USM_STATS, 2, 0)
UNKNOWN_USER_NAMES: Oid = (*_USM_STATS, 3, 0)
UNKNOWN_ENGINE_IDS: Oid = (*_USM_STATS, 4, 0)
WRONG_DIGESTS: Oid = (*_USM_STATS, 5, 0)
DECRYPTION_ERRORS: Oid = (*_USM_STATS, 6, 0)
UNKNOWN_CONTEXTS: Oid = (1, 3, 6, 1, 6, 3, 12, 1, 5, 0)


@dataclass(frozen=True)
class PrivProtocol:
    """A privacy protocol: ``aes`` (AES-128-CFB) or ``des`` (DES-CBC)."""

    name: str
    key_length: int


AUTH_PROTOCOLS = {
    p.name: p
    for p in (
        AuthProtocol("md5", "md5", 12),
        AuthProtocol("sha", "sha1", 12),
        AuthProtocol("sha224", "sha224", 16),
        AuthProtocol("sha256", "sha256", 24),
        AuthProtocol("sha384", "sha384", 32),
        AuthProtocol("sha512", "sha512", 48),
    )
}
PRIV_PROTOCOLS = {p.name: p for p in (PrivProtocol("aes", 16), PrivProtocol("des", 16))}


def auth_protocol(name: str) -> AuthProtocol:
    """The auth protocol called ``name`` (md5, sha, sha224 ... sha512)."""
    try:
        return AUTH_PROTOCOLS[name.lower().replace("-", "")]
    except KeyError:
        raise SnmpLabError(
            f"unknown auth protocol {name!r} (known: {sorted(AUTH_PROTOCOLS)})"
        ) from None


def priv_protocol(name: str) -> PrivProtocol:
    """The privacy protocol called ``name`` (aes, aes128 or des)."""
    key = name.lower().replace("-", "")
    try:
        return PRIV_PROTOCOLS["aes" if key == "aes128" else key]
    except KeyError:
        raise SnmpLabError(f"unknown priv protocol {name!r} (known: aes, des)") from None


@functools.lru_cache(maxsize=1024)
@dataclass
class UsmUser:
    """One USM user on one engine; keys are localised on first use."""

    name: bytes
    auth: AuthProtocol
    priv: PrivProtocol
    auth_password: str
    priv_password: str
    engine_id: bytes
    _keys: tuple[bytes, bytes] | None = field(default=None, repr=False)

    def keys(self) -> tuple[bytes, bytes]:
        """``(auth key, priv key)`` localised to this engine."""
        if self._keys is None:
            h = self.auth.hash_name
            self._keys = (
                localize_key(h, self.auth_password, self.engine_id),
                localize_key(h, self.priv_password, self.engine_id),
            )
        return self._keys

    def digest(self, message: bytes) -> bytes:
        """The truncated HMAC of a whole message (auth parameters zeroed)."""
        return usm_digest(self.auth, self.keys()[0], message)

    def decrypt(self, boots: int, time: int, salt: bytes, data: bytes) -> bytes:
        """Decrypt a request's encryptedPDU."""
        return usm_decrypt(self.priv.name, self.keys()[1], boots, time, salt, data)

    def encrypt(self, boots: int, time: int, salt_counter: int, data: bytes) -> tuple[bytes, bytes]:
        """Encrypt a response's scopedPDU; return ``(ciphertext, privacy parameters)``."""
        return usm_encrypt(self.priv.name, self.keys()[1], boots, time, salt_counter, data)


def encode_v3(
    msg_id: int,
    flags: int,
    engine_id: bytes,
    boots: int,
    time: int,
    user: UsmUser | None,
    user_name: bytes,
    scoped_pdu: bytes,
    salt_counter: int = 0,
) -> bytes:
    """An outgoing SNMPv3 message, encrypted and authenticated as ``flags`` say."""
    priv_params = b""
    if flags & FLAG_PRIV and user is not None:
        ciphertext, priv_params = user.encrypt(boots, time, salt_counter, scoped_pdu)
        msg_data = encode_octets(ciphertext)
    else:
        msg_data = scoped_pdu
    mac_length = user.auth.mac_length if flags & FLAG_AUTH and user is not None else 0
    head = encode_octets(engine_id) + encode_integer(boots) + encode_integer(time)
    head += encode_octets(user_name) + bytes((TAG_OCTET_STRING, mac_length))
    tail = encode_octets(priv_params)
    sec_seq = tlv(TAG_SEQUENCE, head + b"\x00" * mac_length + tail)
    sec = encode_octets(sec_seq)
    global_data = tlv(
        TAG_SEQUENCE,
        encode_integer(msg_id) + encode_integer(65507) + encode_octets(bytes((flags,)))
        + encode_integer(USM_MODEL),
    )  # fmt: skip
    body = encode_integer(3) + global_data + sec + msg_data
    message = b"\x30" + encode_length(len(body)) + body
    if not mac_length or user is None:
        return message
    # offset of the MAC: outer header, version, global data, the two sec headers, head.
    offset = (len(message) - len(body)) + 3 + len(global_data)
    offset += (len(sec) - len(sec_seq)) + (len(sec_seq) - len(head) - mac_length - len(tail))
    offset += len(head)
    return message[:offset] + user.digest(message) + message[offset + mac_length :]


def scoped_pdu(engine_id: bytes, context: bytes, pdu: bytes) -> bytes:
    """A ScopedPDU TLV."""
    return tlv(TAG_SEQUENCE, encode_octets(engine_id) + encode_octets(context) + pdu)


def report_varbind(oid: Oid, count: int) -> bytes:
    """The single var-bind of a Report PDU: a usmStats counter and its value."""
    oid_content = encode_oid_content(oid)
    value = encode_unsigned(TAG_COUNTER32, count & 0xFFFFFFFF)
    content = b"\x06" + encode_length(len(oid_content)) + oid_content + value
    return b"\x30" + encode_length(len(content)) + content


def engine_id_for(label: str) -> bytes:
    """A stable RFC 3411 text-format snmpEngineID (enterprise 2011) for ``label``.

    >>> engine_id_for("x")[:5].hex()
    '800007db04'
    """
    digest = hashlib.sha1(label.encode(), usedforsecurity=False).hexdigest()[:20]
    return b"\x80\x00\x07\xdb\x04" + b"lab" + digest.encode()


def random_salt() -> int:
    """A random 64-bit starting value for privacy salts."""
    return int.from_bytes(os.urandom(8), "big")
