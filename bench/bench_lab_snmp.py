"""Benchmark the lab SNMP agent at city scale and print the figures.

Measures, for N devices of 24 interfaces (default 5,500):

- start-up: building the lab network, binding one shared endpoint for the
  whole city (devices told apart by community / v3 context) and, separately,
  one endpoint per device; RSS before and after every device's MIB is built;
- agent CPU per request and per device poll, v2c and v3 authPriv (SHA/AES),
  over real UDP: the agent runs in a child process and its CPU is read from
  /proc; the client here sends prebuilt GETBULKs (6 columns x 24 rows =
  144 var-binds per poll, following up when a platform's packet cap cuts an
  answer short) with a window of outstanding requests;
- in-process cost of ``SnmpEndpoint.handle`` alone (no sockets).

Usage: ``.venv/bin/python bench/bench_lab_snmp.py [--devices 5500] [--window 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lab.snmp import SnmpAgent
from lab.snmp.sample import sample_network
from snmpcodec.ber import (
    TAG_GETBULK,
    TAG_SEQUENCE,
    Oid,
    decode_oid,
    encode_integer,
    encode_length,
    encode_octets,
    encode_oid,
    expect,
    read_integer,
    read_octets,
    read_tlv,
    tlv,
)
from snmpcodec.usm import (
    FLAG_AUTH,
    FLAG_PRIV,
    FLAG_REPORTABLE,
    LocalizedUser,
    decode_v3_after_version,
    encode_v3,
    scoped_pdu,
)

COLUMNS: list[Oid] = [
    (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6),  # ifHCInOctets
    (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10),  # ifHCOutOctets
    (1, 3, 6, 1, 2, 1, 2, 2, 1, 14),  # ifInErrors
    (1, 3, 6, 1, 2, 1, 2, 2, 1, 19),  # ifOutDiscards
    (1, 3, 6, 1, 2, 1, 2, 2, 1, 8),  # ifOperStatus
    (1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15),  # ifHighSpeed
]
ROWS = 24


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size of a process in MiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- child: the agent ---------------------------------------------------------
def serve(devices: int, each: bool) -> None:
    """Child process: build the lab, serve it, report start figures, run until stdin closes."""
    t0 = time.perf_counter()
    network = sample_network(devices)
    built = time.perf_counter() - t0
    rss_built = rss_mb()

    async def main() -> None:
        agent = SnmpAgent(network)
        t1 = time.perf_counter()
        if each:
            endpoints = await agent.serve_each(network.devices)
        else:
            endpoints = {"all": await agent.serve(network.devices)}
        started = time.perf_counter() - t1
        first = next(iter(endpoints.values()))
        report = {
            "build_s": built,
            "start_s": started,
            "endpoints": len(endpoints),
            "rss_built_mb": rss_built,
            "rss_started_mb": rss_mb(),
            "port": first.port,
            "engine_id": first.engine_id.hex(),
            "engine_time": first.engine_time(),
            "engine_boots": first.engine_boots,
        }
        print(json.dumps(report), flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)
        await agent.close()

    asyncio.run(main())


# -- parent: the poller -------------------------------------------------------
def varbinds(oids: list[Oid]) -> bytes:
    """A VarBindList of NULL values."""
    body = b"".join(tlv(TAG_SEQUENCE, encode_oid(oid) + b"\x05\x00") for oid in oids)
    return b"\x30" + encode_length(len(body)) + body


def bulk_pdu(request_id: int, oids: list[Oid]) -> bytes:
    """A GETBULK PDU with no non-repeaters and ROWS repetitions."""
    body = encode_integer(request_id) + encode_integer(0) + encode_integer(ROWS)
    return tlv(TAG_GETBULK, body + varbinds(oids))


def parse_pdu(data: bytes, pos: int) -> tuple[int, list[Oid]]:
    """Request-id and var-bind OIDs of a response PDU."""
    _, start, _ = read_tlv(data, pos)
    request_id, cur = read_integer(data, start)
    _, cur = read_integer(data, cur)
    _, cur = read_integer(data, cur)
    vb_start, vb_end = expect(data, cur, TAG_SEQUENCE)
    oids = []
    while vb_start < vb_end:
        s, e = expect(data, vb_start, TAG_SEQUENCE)
        o_s, o_e = expect(data, s, 0x06)
        oids.append(decode_oid(data[o_s:o_e]))
        vb_start = e
    return request_id, oids


@dataclass
class Poll:
    """One device poll in progress."""

    index: int
    cursor: list[Oid] = field(default_factory=lambda: list(COLUMNS))
    got: int = 0
    requests: int = 0


class Poller:
    """Sends every device's poll over one UDP socket with a window of outstanding requests."""

    def __init__(
        self, port: int, v3: bool, engine_id: bytes, engine_boots: int, engine_time: int
    ) -> None:
        self.address = ("127.0.0.1", port)
        self.v3 = v3
        self.engine_id = engine_id
        self.engine_boots = engine_boots
        self.time_base = engine_time - time.monotonic()
        self.user = LocalizedUser.create(
            "nms", "sha", "aes", "authkey-lab", "privkey-lab", engine_id
        )
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.setblocking(False)
        self.next_id = 1
        self.salt = 1

    def request(self, poll: Poll) -> tuple[int, bytes]:
        """The next request of ``poll``."""
        self.next_id += 1
        pdu = bulk_pdu(self.next_id, poll.cursor)
        if not self.v3:
            body = encode_integer(1) + encode_octets(f"c{poll.index}".encode()) + pdu
            return self.next_id, b"\x30" + encode_length(len(body)) + body
        self.salt += 1
        now = int(self.time_base + time.monotonic())
        scoped = scoped_pdu(self.engine_id, f"d{poll.index}".encode(), pdu)
        flags = FLAG_AUTH | FLAG_PRIV | FLAG_REPORTABLE
        message = encode_v3(
            self.next_id,
            flags,
            self.engine_id,
            self.engine_boots,
            now,
            self.user,
            b"nms",
            scoped,
            self.salt,
        )
        return self.next_id, message

    def response(self, data: bytes) -> tuple[int, list[Oid]]:
        """Request-id and OIDs of a response datagram."""
        start, _ = expect(data, 0, TAG_SEQUENCE)
        _, pos = read_integer(data, start)
        if not self.v3:
            _, pos = read_octets(data, pos)
            return parse_pdu(data, pos)
        msg = decode_v3_after_version(data, pos)
        plain = self.user.decrypt(msg.boots, msg.time, msg.priv_params, msg.payload)
        s, _ = expect(plain, 0, TAG_SEQUENCE)
        _, cur = read_octets(plain, s)
        _, cur = read_octets(plain, cur)
        return parse_pdu(plain, cur)

    def run(self, devices: int, window: int) -> tuple[int, int, int, float]:
        """Poll every device once: ``(polls, requests, var-binds, wall seconds)``."""
        todo = [Poll(i) for i in range(devices)]
        todo.reverse()
        pending: dict[int, tuple[Poll, bytes]] = {}
        done = requests = total = 0
        start = time.perf_counter()
        last_rx = time.monotonic()
        while todo or pending:
            while todo and len(pending) < window:
                poll = todo.pop()
                rid, message = self.request(poll)
                pending[rid] = (poll, message)
                self.sock.sendto(message, self.address)
                requests += 1
            ready, _, _ = select.select([self.sock], [], [], 0.5)
            if not ready:
                if time.monotonic() - last_rx > 2:  # lost datagrams: send again
                    for _poll, message in list(pending.values()):
                        self.sock.sendto(message, self.address)
                    last_rx = time.monotonic()
                continue
            while True:
                try:
                    data = self.sock.recv(65535)
                except BlockingIOError:
                    break
                last_rx = time.monotonic()
                rid, oids = self.response(data)
                entry = pending.pop(rid, None)
                if entry is None:
                    continue
                poll = entry[0]
                poll.requests += 1
                width = len(poll.cursor)
                rows = len(oids) // width  # a packet cap may cut the last row short
                total += rows * width
                poll.got += rows * width
                if rows:
                    poll.cursor = list(oids[(rows - 1) * width : rows * width])
                inside = all(o[: len(c)] == c for o, c in zip(poll.cursor, COLUMNS, strict=True))
                finished = poll.got >= ROWS * len(COLUMNS) or not rows or not inside
                if finished:
                    done += 1
                else:
                    todo.append(poll)
        return done, requests, total, time.perf_counter() - start


def micro(iterations: int = 2000) -> dict[str, float]:
    """In-process CPU of ``SnmpEndpoint.handle`` for one 144-var-bind GETBULK."""
    network = sample_network(8)
    agent = SnmpAgent(network)
    figures = {}

    async def setup() -> None:
        endpoint = await agent.serve(network.devices)
        poller = Poller(
            endpoint.port, False, endpoint.engine_id, endpoint.engine_boots, endpoint.engine_time()
        )
        for name, v3 in (("v2c", False), ("v3", True)):
            poller.v3 = v3
            message = poller.request(Poll(0))[1]  # a Huawei device: one 144-var-bind answer
            reply = endpoint.handle(message)
            assert reply is not None and len(poller.response(reply)[1]) == 144
            t0 = time.process_time()
            for _ in range(iterations):
                endpoint.handle(message)
            figures[name] = (time.process_time() - t0) / iterations * 1000
        poller.sock.close()
        await agent.close()

    asyncio.run(setup())
    return figures


def start_child(devices: int, each: bool) -> tuple[subprocess.Popen[str], dict[str, float]]:
    """Start the agent process and read its start-up report."""
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(devices), *(["--each"] if each else [])],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    report: dict[str, float] = json.loads(child.stdout.readline())
    return child, report


def stop_child(child: subprocess.Popen[str]) -> None:
    """Close the agent's stdin and wait for it."""
    assert child.stdin is not None
    child.stdin.close()
    child.wait(timeout=30)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=5500)
    parser.add_argument("--smoke", action="store_true", help="50 devices: seconds")
    parser.add_argument("--window", type=int, default=16)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--each", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:
        args.devices = 50
    if args.serve is not None:
        serve(args.serve, args.each)
        return

    figures = micro()
    print(
        f"in-process handle(), 144-var-bind GETBULK: v2c {figures['v2c']:.2f} ms, "
        f"v3 authPriv SHA/AES {figures['v3']:.2f} ms CPU per request"
    )

    child, report = start_child(args.devices, each=True)
    sockets = f"{report['endpoints']:.0f} sockets"
    print(
        f"{args.devices} devices, one endpoint each: start {report['start_s']:.2f} s "
        f"({sockets}), RSS {report['rss_started_mb']:.0f} MiB"
    )
    stop_child(child)

    child, report = start_child(args.devices, each=False)
    print(
        f"{args.devices} devices x 24 interfaces: lab build {report['build_s']:.2f} s, "
        f"agent start (one shared endpoint) {report['start_s'] * 1000:.1f} ms, "
        f"RSS {report['rss_started_mb']:.0f} MiB"
    )
    engine_id = bytes.fromhex(str(report["engine_id"]))
    try:
        for label, v3 in (("v2c", False), ("v3 authPriv SHA/AES", True)):
            poller = Poller(
                int(report["port"]),
                v3,
                engine_id,
                int(report["engine_boots"]),
                int(report["engine_time"]),
            )
            for cycle in ("cold", "warm"):
                cpu0 = cpu_seconds(child.pid)
                polls, requests, var_binds, wall = poller.run(args.devices, args.window)
                cpu = cpu_seconds(child.pid) - cpu0
                print(
                    f"{label} {cycle}: {polls} polls "
                    f"({var_binds / polls:.0f} var-binds fetched each) in "
                    f"{requests} requests, {wall:.1f} s wall = {polls / wall:.0f} polls/s; "
                    f"agent CPU {cpu / requests * 1000:.2f} ms/request, "
                    f"{cpu / polls * 1000:.2f} ms/poll -> "
                    f"one core sustains {polls / cpu:.0f} polls/s"
                )
            poller.sock.close()
        print(f"agent RSS after polling every device: {rss_mb(child.pid):.0f} MiB")
    finally:
        stop_child(child)


if __name__ == "__main__":
    main()
