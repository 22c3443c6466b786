"""Capture files as a stream: pcap and pcapng read in bounded memory, pcap written fast.

Why not scapy's ``RawPcapReader``/``PcapNgReader``: they build a Python object
(or a tuple and a bytes copy) per packet, and scapy's reader was the slowest
part of a decoding loop measured in ``bench/bench_inspect.py``. Here the file is
read in chunks of :data:`CHUNK` bytes and every record is handed on as
``(buffer, offset, caplen)`` into the chunk, so a packet is never copied: the
memory held is one or two chunks whatever the file size.

Framing errors (an unknown magic number, a record header whose lengths are
impossible) raise :class:`~security.errors.CaptureError` naming the file and the
byte offset; a record cut short at the end of the file (a capture killed while
writing) ends the stream and is counted in :attr:`PacketStream.truncated`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import CaptureError

#: Bytes read at a time (a packet never straddles two reads: the tail is carried over).
CHUNK = 1 << 22
#: Largest record accepted (pcapng/libpcap's maximum snapshot length).
MAX_RECORD = 262144

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

_PCAP_MAGIC = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"

_BLOCK = {o: struct.Struct(o + "II").unpack_from for o in "<>"}
_EPB = {o: struct.Struct(o + "IIIII").unpack_from for o in "<>"}

#: What a consumer receives per packet: (timestamp s, buffer, offset, caplen, linktype).
PacketSink = Callable[[float, bytes, int, int, int], None]


class PacketStream:
    """One capture file, read as a stream (``for ts, buf, off, caplen, lt in stream``)."""

    def __init__(self, path: Path | str, *, chunk: int = CHUNK) -> None:
        self.path = str(path)
        self.chunk = max(chunk, MAX_RECORD + 64)
        self.packets = 0
        #: 1 when the last record was cut short by the end of the file.
        self.truncated = 0
        self.format = ""

    def __iter__(self) -> Iterator[tuple[float, bytes, int, int, int]]:
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            raise CaptureError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        try:
            head = fh.read(4)
            if head in _PCAP_MAGIC:
                self.format = "pcap"
                yield from self._pcap(fh, head)
            elif head == _PCAPNG_SHB:
                self.format = "pcapng"
                yield from self._pcapng(fh, head)
            elif not head:
                raise CaptureError(f"{self.path}: empty file, not a pcap or pcapng capture")
            else:
                raise CaptureError(
                    f"{self.path}: not a pcap or pcapng capture (magic 0x{head.hex()})"
                )
        except OSError as exc:
            raise CaptureError(f"{self.path}: read failed: {exc.strerror or exc}") from None
        finally:
            fh.close()

    # -- pcap ----------------------------------------------------------------------------
    def _pcap(self, fh: BinaryIO, magic: bytes) -> Iterator[tuple[float, bytes, int, int, int]]:
        order, unit = _PCAP_MAGIC[magic]
        rest = fh.read(20)
        if len(rest) < 20:
            raise CaptureError(f"{self.path}: pcap header cut short ({4 + len(rest)} of 24 bytes)")
        major, _minor, _zone, _sig, _snap, network = struct.unpack(order + "HHiIII", rest)
        if major != 2:
            raise CaptureError(f"{self.path}:0: pcap version {major} is not 2")
        linktype = network & 0x0FFFFFFF
        record = struct.Struct(order + "IIII").unpack_from
        buf = b""
        pos = 0
        base = 24  # file offset of buf[0]
        while True:
            data = fh.read(self.chunk)
            if not data:
                if pos < len(buf):
                    self.truncated = 1
                return
            buf = buf[pos:] + data if pos < len(buf) else data
            base += pos
            pos = 0
            end = len(buf)
            packets = self.packets
            while pos + 16 <= end:
                sec, frac, caplen, _orig = record(buf, pos)
                if caplen > MAX_RECORD:
                    self.packets = packets
                    raise CaptureError(
                        f"{self.path}: offset {base + pos}: record {packets + 1} claims "
                        f"{caplen} bytes (more than {MAX_RECORD}): the file is damaged"
                    )
                if pos + 16 + caplen > end:
                    break
                packets += 1
                yield sec + frac * unit, buf, pos + 16, caplen, linktype
                pos += 16 + caplen
            self.packets = packets

    # -- pcapng --------------------------------------------------------------------------
    def _pcapng(self, fh: BinaryIO, magic: bytes) -> Iterator[tuple[float, bytes, int, int, int]]:
        buf = magic + fh.read(self.chunk)
        pos = 0
        base = 0
        order = "<"
        # per interface: (linktype, seconds per tick)
        interfaces: list[tuple[int, float]] = []
        while True:
            if len(buf) - pos < 12:
                more = fh.read(self.chunk)
                if not more:
                    if pos < len(buf):
                        self.truncated = 1
                    return
                base += pos
                buf, pos = buf[pos:] + more, 0
                continue
            btype = buf[pos : pos + 4]
            if btype == _PCAPNG_SHB:
                bom = buf[pos + 8 : pos + 12]
                if bom == b"\x4d\x3c\x2b\x1a":
                    order = "<"
                elif bom == b"\x1a\x2b\x3c\x4d":
                    order = ">"
                else:
                    raise CaptureError(
                        f"{self.path}: offset {base + pos}: pcapng section header with a bad "
                        f"byte-order magic 0x{bom.hex()}"
                    )
                interfaces = []
            (kind, length) = _BLOCK[order](buf, pos)
            if length < 12 or length % 4 or length > MAX_RECORD + 64:
                raise CaptureError(
                    f"{self.path}: offset {base + pos}: pcapng block of type {kind:#x} has an "
                    f"impossible length {length}: the file is damaged"
                )
            if pos + length > len(buf):
                more = fh.read(self.chunk)
                if not more:
                    self.truncated = 1
                    return
                base += pos
                buf, pos = buf[pos:] + more, 0
                continue
            body, end = pos + 8, pos + length - 4
            if kind == 1:  # interface description
                interfaces.append(self._idb(buf, body, end, order, base + pos))
            elif kind == 6 or kind == 3:  # enhanced / simple packet
                yield self._ng_packet(buf, kind, body, end, order, interfaces, base + pos)
            pos += length

    def _idb(self, buf: bytes, body: int, end: int, order: str, where: int) -> tuple[int, float]:
        if end - body < 8:
            raise CaptureError(f"{self.path}: offset {where}: interface block cut short")
        (linktype,) = struct.unpack_from(order + "H", buf, body)
        tick = 1e-6
        opt = body + 8
        while opt + 4 <= end:
            code, size = struct.unpack_from(order + "HH", buf, opt)
            if code == 0:
                break
            if code == 9 and size >= 1 and opt + 5 <= end:  # if_tsresol
                res = buf[opt + 4]
                tick = 2.0 ** -(res & 0x7F) if res & 0x80 else 10.0 ** -min(res, 30)
            opt += 4 + ((size + 3) & ~3)
        return linktype, tick

    def _ng_packet(
        self,
        buf: bytes,
        kind: int,
        body: int,
        end: int,
        order: str,
        interfaces: list[tuple[int, float]],
        where: int,
    ) -> tuple[float, bytes, int, int, int]:
        if kind == 6:
            if end - body < 20:
                raise CaptureError(f"{self.path}: offset {where}: packet block cut short")
            iface, high, low, caplen, _orig = _EPB[order](buf, body)
            data = body + 20
            stamp = (high << 32) | low
        else:
            if end - body < 4:
                raise CaptureError(f"{self.path}: offset {where}: packet block cut short")
            iface, stamp, data = 0, 0, body + 4
            caplen = min(struct.unpack_from(order + "I", buf, body)[0], end - data)
        if iface >= len(interfaces):
            raise CaptureError(
                f"{self.path}: offset {where}: packet on interface {iface}, "
                f"but only {len(interfaces)} interface(s) are described"
            )
        if data + caplen > end:
            raise CaptureError(
                f"{self.path}: offset {where}: packet of {caplen} bytes overruns its block"
            )
        linktype, tick = interfaces[iface]
        self.packets += 1
        return stamp * tick, buf, data, caplen, linktype


class PcapWriter:
    """A plain pcap file (microsecond stamps), records buffered and written in large blocks."""

    def __init__(self, path: Path | str, linktype: int = LINKTYPE_ETHERNET) -> None:
        self.path = str(path)
        try:
            self._fh: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise CaptureError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self._parts: list[bytes] = []
        self._size = 0
        self._head = struct.Struct("<IIII").pack
        self.packets = 0
        self._fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, MAX_RECORD, linktype))

    def write(self, ts: float, data: bytes) -> None:
        """Append one packet captured at ``ts`` (seconds since the epoch)."""
        sec = int(ts)
        usec = min(round((ts - sec) * 1e6), 999999)
        data = data[:MAX_RECORD]
        self._parts.append(self._head(sec, usec, len(data), len(data)))
        self._parts.append(data)
        self.packets += 1
        self._size += 16 + len(data)
        if self._size >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write what is buffered."""
        if self._parts:
            self._fh.write(b"".join(self._parts))
            self._parts.clear()
            self._size = 0
        self._fh.flush()

    def close(self) -> None:
        """Flush and close the file."""
        self.flush()
        self._fh.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
