"""Real UDP traffic between lab namespaces (sender and sink run via ``ip netns exec``)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from lab.netns import _sys
from lab.netns.errors import LabError
from lab.netns.probes import TrafficResult

if TYPE_CHECKING:
    from lab.netns.lab import NetnsLab

_SCRIPT = str(Path(__file__).resolve().parent / "_traffic.py")

#: Seconds the sink keeps counting after the sender finished (in-flight datagrams).
DRAIN_SECONDS = 0.3


def blast(
    lab: NetnsLab,
    src: str,
    dst: str,
    *,
    rate: float,
    duration: float,
    size: int = 1000,
    port: int | None = None,
) -> TrafficResult:
    """Send ``rate`` UDP datagrams/s of ``size`` bytes for ``duration`` s from ``src`` to ``dst``.

    ``dst`` is a node code (a sink there counts arrivals) or a bare IPv4 address
    (no sink; ``received`` is then 0).
    """
    if rate <= 0 or duration <= 0 or not 0 < size <= 65000:
        raise LabError(f"blast {src}->{dst}: bad rate {rate}, duration {duration} or size {size}")
    codes = {n.code for n in lab.topology.nodes}
    address = lab.address(dst) if dst in codes else dst
    port = port if port is not None else random.randint(20000, 60000)
    python = sys.executable
    ip = _sys.tool("ip")
    sink: subprocess.Popen[str] | None = None
    if dst in codes:
        sink = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [ip, "netns", "exec", lab.netns(dst), python, _SCRIPT, "sink", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    try:
        if sink is not None:
            assert sink.stdout is not None  # noqa: S101
            if sink.stdout.readline().strip() != "ready":
                raise LabError(f"traffic sink in {dst} failed: {_stderr(sink)}")
        argv = [
            python, _SCRIPT, "send", "--dst", address, "--port", str(port),
            "--rate", str(rate), "--duration", str(duration), "--size", str(size),
        ]  # fmt: skip
        out = lab.exec(src, argv, timeout=duration * 3 + 15).stdout
        sent = json.loads(out.strip().splitlines()[-1])
        received = {"received": 0, "bytes": 0}
        if sink is not None:
            time.sleep(DRAIN_SECONDS)
            sink.terminate()
            tail, _err = sink.communicate(timeout=10)
            received = json.loads(tail.strip().splitlines()[-1])
    finally:
        if sink is not None and sink.poll() is None:
            sink.kill()
            sink.communicate()
    return TrafficResult(
        src=src,
        dst=dst,
        dst_address=address,
        port=port,
        payload_size=size,
        sent=int(sent["sent"]),
        send_errors=int(sent["errors"]),
        received=int(received["received"]),
        received_bytes=int(received["bytes"]),
    )


def _stderr(proc: subprocess.Popen[str]) -> str:
    proc.kill()
    _out, err = proc.communicate()
    return err.strip()[-500:]
