"""SNMPv3 User-based Security Model for both ends (RFC 3414, RFC 3826, RFC 7860).

Keys are localised from passphrases (1 MiB expansion, then ``H(Ku + engineID
+ Ku)``); HMAC-MD5/SHA-1/SHA-2 authenticate; AES-128-CFB (RFC 3826) and
DES-CBC (RFC 3414 8) encrypt. Expansion is cached per passphrase and
localisation per engine, so a city whose devices share credentials pays for
one expansion, and so do the lab's thousands of agents.

DES uses ``cryptography``'s TripleDES with the 8-octet DES key repeated three
times (K1 = K2 = K3 is single DES, the keying option the standard keeps for
compatibility); single DES itself is not offered by ``cryptography`` any more,
and TripleDES lives in its ``decrepit`` module since 43.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from snmpcodec.ber import (
    TAG_COUNTER32,
    TAG_OCTET_STRING,
    TAG_SEQUENCE,
    encode_integer,
    encode_length,
    encode_octets,
    encode_unsigned,
    expect,
    oid_bytes,
    read_integer,
    read_octets,
    read_tlv,
    tlv,
    v2c_request_id,
)
from snmpcodec.errors import SnmpConfigError, SnmpDecodeError

FLAG_AUTH = 0x01
FLAG_PRIV = 0x02
FLAG_REPORTABLE = 0x04
USM_MODEL = 3
#: RFC 3414 2.2: msgID, snmpEngineBoots and snmpEngineTime are 0..2^31-1.
MAX_INT32 = 2**31 - 1

#: RFC 3414 3.2 step 7: a message more than 150 s off the engine's clock is refused.
TIME_WINDOW = 150

#: Report OIDs (content octets) and their names, for error messages, resyncs and
#: the agent's counters.
_USM_STATS = "1.3.6.1.6.3.15.1.1"
UNSUPPORTED_SEC_LEVELS = oid_bytes(f"{_USM_STATS}.1.0")
NOT_IN_TIME_WINDOWS = oid_bytes(f"{_USM_STATS}.2.0")
UNKNOWN_USER_NAMES = oid_bytes(f"{_USM_STATS}.3.0")
UNKNOWN_ENGINE_IDS = oid_bytes(f"{_USM_STATS}.4.0")
WRONG_DIGESTS = oid_bytes(f"{_USM_STATS}.5.0")
DECRYPTION_ERRORS = oid_bytes(f"{_USM_STATS}.6.0")
UNAVAILABLE_CONTEXTS = oid_bytes("1.3.6.1.6.3.12.1.4.0")
UNKNOWN_CONTEXTS = oid_bytes("1.3.6.1.6.3.12.1.5.0")
REPORT_NAMES = {
    UNSUPPORTED_SEC_LEVELS: "usmStatsUnsupportedSecLevels",
    NOT_IN_TIME_WINDOWS: "usmStatsNotInTimeWindows",
    UNKNOWN_USER_NAMES: "usmStatsUnknownUserNames",
    UNKNOWN_ENGINE_IDS: "usmStatsUnknownEngineIDs",
    WRONG_DIGESTS: "usmStatsWrongDigests",
    DECRYPTION_ERRORS: "usmStatsDecryptionErrors",
    UNKNOWN_CONTEXTS: "snmpUnknownContexts",
    UNAVAILABLE_CONTEXTS: "snmpUnavailableContexts",
}


@dataclass(frozen=True)
class AuthProtocol:
    """An HMAC authentication protocol: hash name and truncated MAC length."""

    name: str
    hash_name: str
    mac_length: int


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
#: Privacy protocols by name (aliases included); ``none`` is authNoPriv.
PRIV_PROTOCOLS = {"aes": "aes", "aes128": "aes", "des": "des", "none": "none"}


def auth_protocol(name: str) -> AuthProtocol:
    """The auth protocol called ``name`` (md5, sha, sha1, sha224 ... sha512).

    >>> auth_protocol("SHA-256").mac_length
    24
    """
    key = name.lower().replace("-", "")
    key = "sha" if key == "sha1" else key
    try:
        return AUTH_PROTOCOLS[key]
    except KeyError:
        raise SnmpConfigError(
            f"unknown SNMPv3 auth protocol {name!r} (known: {', '.join(sorted(AUTH_PROTOCOLS))})"
        ) from None


def priv_protocol(name: str) -> str:
    """``"aes"``, ``"des"`` or ``"none"`` (authNoPriv) for ``name`` (aes, aes128, des, none).

    >>> priv_protocol("AES-128"), priv_protocol("none")
    ('aes', 'none')
    """
    try:
        return PRIV_PROTOCOLS[name.lower().replace("-", "")]
    except KeyError:
        raise SnmpConfigError(
            f"unknown SNMPv3 priv protocol {name!r} (known: aes128, des, none)"
        ) from None


@functools.lru_cache(maxsize=256)
def password_to_key(hash_name: str, password: str) -> bytes:
    """RFC 3414 A.2: the hash of the passphrase repeated to 1,048,576 octets."""
    raw = password.encode()
    if len(raw) < 8:
        raise SnmpConfigError("SNMPv3 passphrases need at least 8 characters")
    expanded = (raw * (1_048_576 // len(raw) + 1))[:1_048_576]
    return hashlib.new(hash_name, expanded).digest()


@functools.lru_cache(maxsize=65536)
def localize_key(hash_name: str, password: str, engine_id: bytes) -> bytes:
    """The key of ``password`` localised to ``engine_id``."""
    ku = password_to_key(hash_name, password)
    return hashlib.new(hash_name, ku + engine_id + ku).digest()


def usm_digest(auth: AuthProtocol, key: bytes, message: bytes) -> bytes:
    """RFC 3414 / 7860: the truncated HMAC of a whole message (auth parameters zeroed)."""
    return hmac.new(key, message, auth.hash_name).digest()[: auth.mac_length]


def _check_clock(boots: int, time: int) -> None:
    if not (0 <= boots <= MAX_INT32 and 0 <= time <= MAX_INT32):
        raise SnmpDecodeError(f"engine boots {boots} or time {time} outside 0..2^31-1")


def usm_decrypt(priv: str, key: bytes, boots: int, time: int, salt: bytes, data: bytes) -> bytes:
    """Decrypt an encryptedPDU: ``priv`` is ``aes`` (RFC 3826, CFB128) or ``des`` (RFC 3414)."""
    _check_clock(boots, time)
    if len(salt) != 8:
        raise SnmpDecodeError("privacy parameters must be 8 octets")
    if priv == "aes":
        iv = boots.to_bytes(4, "big") + time.to_bytes(4, "big") + salt
        dec = Cipher(algorithms.AES(key[:16]), CFB(iv)).decryptor()
    elif priv == "des":
        if len(data) % 8:
            raise SnmpDecodeError("DES ciphertext is not a multiple of 8 octets")
        iv = bytes(a ^ b for a, b in zip(key[8:16], salt, strict=True))
        dec = Cipher(TripleDES(key[:8] * 3), modes.CBC(iv)).decryptor()
    else:
        raise SnmpDecodeError("an encrypted message for a user without privacy (authNoPriv)")
    return dec.update(data) + dec.finalize()


def usm_encrypt(
    priv: str, key: bytes, boots: int, time: int, salt_counter: int, data: bytes
) -> tuple[bytes, bytes]:
    """Encrypt a scopedPDU; return ``(ciphertext, privacy parameters)``."""
    _check_clock(boots, time)
    if priv == "aes":
        salt = (salt_counter & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
        iv = boots.to_bytes(4, "big") + time.to_bytes(4, "big") + salt
        enc = Cipher(algorithms.AES(key[:16]), CFB(iv)).encryptor()
    elif priv == "des":
        salt = boots.to_bytes(4, "big") + (salt_counter & 0xFFFFFFFF).to_bytes(4, "big")
        iv = bytes(a ^ b for a, b in zip(key[8:16], salt, strict=True))
        enc = Cipher(TripleDES(key[:8] * 3), modes.CBC(iv)).encryptor()
        data += b"\x00" * (-len(data) % 8)
    else:
        raise SnmpConfigError("a user without privacy (authNoPriv) cannot encrypt")
    return enc.update(data) + enc.finalize(), salt


@dataclass(frozen=True)
class LocalizedUser:
    """A USM user's keys localised to one authoritative engine (no priv key for authNoPriv)."""

    name: bytes
    auth: AuthProtocol
    priv: str
    auth_key: bytes
    priv_key: bytes

    @classmethod
    def create(
        cls,
        name: str,
        auth: str,
        priv: str,
        auth_password: str,
        priv_password: str,
        engine_id: bytes,
    ) -> LocalizedUser:
        """Localise both passphrases to ``engine_id`` (the auth one only for priv ``none``)."""
        protocol = auth_protocol(auth)
        h = protocol.hash_name
        privacy = priv_protocol(priv)
        return cls(
            name.encode(),
            protocol,
            privacy,
            localize_key(h, auth_password, engine_id),
            b"" if privacy == "none" else localize_key(h, priv_password, engine_id),
        )

    @property
    def security_flags(self) -> int:
        """msgFlags of this user's requests: authPriv, or authNoPriv for priv ``none``."""
        return FLAG_AUTH if self.priv == "none" else FLAG_AUTH | FLAG_PRIV

    def digest(self, message: bytes) -> bytes:
        """The truncated HMAC of a whole message (auth parameters zeroed)."""
        return usm_digest(self.auth, self.auth_key, message)

    def decrypt(self, boots: int, time: int, salt: bytes, data: bytes) -> bytes:
        """Decrypt an encryptedPDU."""
        return usm_decrypt(self.priv, self.priv_key, boots, time, salt, data)

    def encrypt(self, boots: int, time: int, salt_counter: int, data: bytes) -> tuple[bytes, bytes]:
        """Encrypt a scopedPDU; return ``(ciphertext, privacy parameters)``."""
        return usm_encrypt(self.priv, self.priv_key, boots, time, salt_counter, data)


@dataclass(frozen=True)
class V3Message:
    """A decoded SNMPv3 message (the scoped PDU still in wire form)."""

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
    #: Plaintext scopedPDU TLV, or the ciphertext when FLAG_PRIV is set.
    payload: bytes

    def zeroed(self, data: bytes) -> bytes:
        """``data`` with this message's authentication parameters zeroed (for the HMAC)."""
        start, size = self.auth_offset, len(self.auth_params)
        return data[:start] + b"\x00" * size + data[start + size :]


def v3_msg_id(data: bytes) -> int | None:
    """The msgID of an SNMPv3 message (None when unreadable): used to match replies."""
    try:
        start, _ = expect(data, 0, TAG_SEQUENCE)
        _, cur = read_integer(data, start)
        g_start, _ = expect(data, cur, TAG_SEQUENCE)
        return read_integer(data, g_start)[0]
    except SnmpDecodeError:
        return None


def decode_v3(data: bytes) -> V3Message:
    """Decode a whole SNMPv3 message; raises only :class:`SnmpDecodeError`."""
    try:
        return _decode_v3(data)
    except (IndexError, ValueError, OverflowError) as exc:
        raise SnmpDecodeError(f"malformed SNMPv3 message: {exc}") from None


def _decode_v3(data: bytes) -> V3Message:
    start, _ = expect(data, 0, TAG_SEQUENCE)
    version, pos = read_integer(data, start)
    if version != 3:
        raise SnmpDecodeError(f"expected an SNMPv3 message, got version {version}")
    return decode_v3_after_version(data, pos)


def decode_v3_after_version(data: bytes, pos: int) -> V3Message:
    """Decode an SNMPv3 message whose version field ended at ``pos`` (agents read it first)."""
    g_start, g_end = expect(data, pos, TAG_SEQUENCE)
    msg_id, cur = read_integer(data, g_start)
    max_size, cur = read_integer(data, cur)
    flag_octets, cur = read_octets(data, cur)
    model, cur = read_integer(data, cur)
    if model != USM_MODEL or len(flag_octets) != 1:
        raise SnmpDecodeError(f"unsupported security model {model}")
    s_start, s_end = expect(data, g_end, TAG_OCTET_STRING)
    p_start, _ = expect(data, s_start, TAG_SEQUENCE)
    engine_id, cur = read_octets(data, p_start)
    boots, cur = read_integer(data, cur)
    time, cur = read_integer(data, cur)
    if not (0 <= msg_id <= MAX_INT32 and 0 <= boots <= MAX_INT32 and 0 <= time <= MAX_INT32):
        raise SnmpDecodeError(
            f"msgID {msg_id}, engine boots {boots} or engine time {time} outside 0..2^31-1"
        )
    user, cur = read_octets(data, cur)
    a_tag, a_start, a_end = read_tlv(data, cur)
    if a_tag != TAG_OCTET_STRING:
        raise SnmpDecodeError("authentication parameters must be an OCTET STRING")
    priv_params, _ = read_octets(data, a_end)
    tag, d_start, d_end = read_tlv(data, s_end)
    payload = data[d_start:d_end] if tag == TAG_OCTET_STRING else data[s_end:d_end]
    return V3Message(
        msg_id,
        max_size,
        flag_octets[0],
        engine_id,
        boots,
        time,
        user,
        data[a_start:a_end],
        a_start,
        priv_params,
        payload,
    )


def encode_v3(
    msg_id: int,
    flags: int,
    engine_id: bytes,
    boots: int,
    time: int,
    user: LocalizedUser | None,
    user_name: bytes,
    scoped: bytes,
    salt_counter: int = 0,
    max_size: int = 65507,
) -> bytes:
    """An SNMPv3 message, encrypted and authenticated as ``flags`` say."""
    priv_params = b""
    if flags & FLAG_PRIV and user is not None:
        ciphertext, priv_params = user.encrypt(boots, time, salt_counter, scoped)
        msg_data = encode_octets(ciphertext)
    else:
        msg_data = scoped
    mac_length = user.auth.mac_length if flags & FLAG_AUTH and user is not None else 0
    head = encode_octets(engine_id) + encode_integer(boots) + encode_integer(time)
    head += encode_octets(user_name) + bytes((TAG_OCTET_STRING, mac_length))
    tail = encode_octets(priv_params)
    sec_seq = tlv(TAG_SEQUENCE, head + b"\x00" * mac_length + tail)
    sec = encode_octets(sec_seq)
    global_data = tlv(
        TAG_SEQUENCE,
        encode_integer(msg_id)
        + encode_integer(max_size)
        + encode_octets(bytes((flags,)))
        + encode_integer(USM_MODEL),
    )
    body = b"\x02\x01\x03" + global_data + sec + msg_data
    message = b"\x30" + encode_length(len(body)) + body
    if not mac_length or user is None:
        return message
    offset = (len(message) - len(body)) + 3 + len(global_data)
    offset += (len(sec) - len(sec_seq)) + (len(sec_seq) - len(head) - mac_length - len(tail))
    offset += len(head)
    return message[:offset] + user.digest(message) + message[offset + mac_length :]


def scoped_pdu(engine_id: bytes, context: bytes, pdu: bytes) -> bytes:
    """A ScopedPDU TLV."""
    return tlv(TAG_SEQUENCE, encode_octets(engine_id) + encode_octets(context) + pdu)


def report_varbind(oid: bytes, count: int) -> bytes:
    """The single var-bind of a Report PDU: a usmStats counter (OID content octets) and its value."""
    value = encode_unsigned(TAG_COUNTER32, count & 0xFFFFFFFF)
    content = b"\x06" + encode_length(len(oid)) + oid + value
    return b"\x30" + encode_length(len(content)) + content


def message_key(data: bytes) -> int | None:
    """request-id (v1/v2c) or msgID (v3) of a message; None for anything unreadable.

    Replies are matched to requests by it, so it never raises.

    >>> message_key(bytes.fromhex("3084000000020201")) is None
    True
    """
    try:
        return _read_message_key(data)
    except (SnmpDecodeError, IndexError, ValueError):
        return None


def _read_message_key(data: bytes) -> int | None:
    if len(data) < 8 or data[0] != TAG_SEQUENCE:
        return None
    # version INTEGER right after the outer header
    offset = 2 if data[1] < 0x80 else 2 + (data[1] & 0x7F)
    if data[offset : offset + 2] == b"\x02\x01" and data[offset + 2] == 3:
        return v3_msg_id(data)
    return v2c_request_id(data)


def open_scoped_pdu(plain: bytes) -> tuple[bytes, int]:
    """``(contextName, offset of the PDU)`` of a plaintext ScopedPDU."""
    start, _ = expect(plain, 0, TAG_SEQUENCE)
    _engine, cur = read_octets(plain, start)
    context, cur = read_octets(plain, cur)
    return context, cur
