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
import hmac
import os
from dataclasses import dataclass, field

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

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
    expect,
    read_integer,
    read_octets,
    read_tlv,
    tlv,
)
from lab.snmp.errors import BerError, SnmpLabError
from monitoring.snmp.usm import localize_key as localize_key  # shared with the poller
from monitoring.snmp.usm import password_to_key as password_to_key

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
class AuthProtocol:
    """An HMAC authentication protocol: hash name and truncated MAC length."""

    name: str
    hash_name: str
    mac_length: int


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
        mac = hmac.new(self.keys()[0], message, self.auth.hash_name).digest()
        return mac[: self.auth.mac_length]

    def decrypt(self, boots: int, time: int, salt: bytes, data: bytes) -> bytes:
        """Decrypt a request's encryptedPDU."""
        key = self.keys()[1]
        if len(salt) != 8:
            raise BerError("privacy parameters must be 8 octets")
        if self.priv.name == "aes":
            iv = boots.to_bytes(4, "big") + time.to_bytes(4, "big") + salt
            dec = Cipher(algorithms.AES(key[:16]), CFB(iv)).decryptor()
        else:
            if len(data) % 8:
                raise BerError("DES ciphertext is not a multiple of 8 octets")
            iv = bytes(a ^ b for a, b in zip(key[8:16], salt, strict=True))
            dec = Cipher(TripleDES(key[:8] * 3), modes.CBC(iv)).decryptor()
        return dec.update(data) + dec.finalize()

    def encrypt(self, boots: int, time: int, salt_counter: int, data: bytes) -> tuple[bytes, bytes]:
        """Encrypt a response's scopedPDU; return ``(ciphertext, privacy parameters)``."""
        key = self.keys()[1]
        if self.priv.name == "aes":
            salt = salt_counter.to_bytes(8, "big")
            iv = boots.to_bytes(4, "big") + time.to_bytes(4, "big") + salt
            enc = Cipher(algorithms.AES(key[:16]), CFB(iv)).encryptor()
        else:
            salt = boots.to_bytes(4, "big") + (salt_counter & 0xFFFFFFFF).to_bytes(4, "big")
            iv = bytes(a ^ b for a, b in zip(key[8:16], salt, strict=True))
            enc = Cipher(TripleDES(key[:8] * 3), modes.CBC(iv)).encryptor()
            data += b"\x00" * (-len(data) % 8)
        return enc.update(data) + enc.finalize(), salt


@dataclass(frozen=True)
class V3Message:
    """A decoded SNMPv3 message (the scoped PDU still in its wire form)."""

    msg_id: int
    max_size: int
    flags: int
    engine_id: bytes
    boots: int
    time: int
    user: bytes
    auth_params: bytes
    auth_offset: int
    priv_params: bytes
    #: Plaintext scopedPDU TLV bytes, or the ciphertext when FLAG_PRIV is set.
    payload: bytes


def decode_v3(data: bytes, pos: int) -> V3Message:
    """Decode the SNMPv3 message whose version field ended at ``pos``."""
    g_start, g_end = expect(data, pos, TAG_SEQUENCE)
    msg_id, cur = read_integer(data, g_start)
    max_size, cur = read_integer(data, cur)
    flag_octets, cur = read_octets(data, cur)
    model, cur = read_integer(data, cur)
    if model != USM_MODEL or len(flag_octets) != 1:
        raise BerError(f"unsupported security model {model}")
    s_start, s_end = expect(data, g_end, TAG_OCTET_STRING)
    p_start, _ = expect(data, s_start, TAG_SEQUENCE)
    engine_id, cur = read_octets(data, p_start)
    boots, cur = read_integer(data, cur)
    time, cur = read_integer(data, cur)
    user, cur = read_octets(data, cur)
    a_tag, a_start, a_end = read_tlv(data, cur)
    if a_tag != TAG_OCTET_STRING:
        raise BerError("authentication parameters must be an OCTET STRING")
    priv_params, _ = read_octets(data, a_end)
    tag, d_start, d_end = read_tlv(data, s_end)
    payload = data[d_start:d_end] if tag == TAG_OCTET_STRING else data[s_end:d_end]
    return V3Message(
        msg_id, max_size, flag_octets[0], engine_id, boots, time, user,
        data[a_start:a_end], a_start, priv_params, payload,
    )  # fmt: skip


def zeroed(data: bytes, message: V3Message) -> bytes:
    """``data`` with the message's authentication parameters zeroed (for the HMAC)."""
    start = message.auth_offset
    return (
        data[:start] + b"\x00" * len(message.auth_params) + data[start + len(message.auth_params) :]
    )


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
