"""Memory of ``monitor run`` across rounds (issue 12): what the service retains stays flat.

The service polls lab SNMP agents (real UDP, v2c and SNMPv3 authPriv, links
between devices, alarm evaluation into a real SQLite alarm table) round after
round; after each round :mod:`tracemalloc` takes a snapshot of the Python
allocations still alive (the lab agents' own allocations, which run in a
thread of this process, are filtered out). From the third round on (the
first reads the static columns, the second builds the rate baselines and
alarm trackers) a round must not leave more allocated behind than the one
before: a leak of one small object per interface per round would show as
tens of kilobytes. Allocations, not timings or RSS.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import tracemalloc
from pathlib import Path

from poller_support import LOOPBACK, agent_lab
from sqlalchemy import create_engine

import monitoring
import snmpcodec
from monitoring.alarms import AlarmEvaluator
from monitoring.poller import Poller
from monitoring.service import MonitorService
from monitoring.store import AlarmStore

DEVICES = 18
ROUNDS = 6
INTERVAL = 1.5
#: What three steady rounds may leave behind in all (asyncio's and SQLAlchemy's
#: caches settle by then); one 64-byte object per interface per round would be
#: 18 x 24 x 64 B x 3 = 81 KiB.
SLACK = 24 * 1024
#: Whose allocations are counted (the agents of the lab run in this process too).
OURS = tuple(str(Path(m.__file__).parent) for m in (monitoring, snmpcodec))
SETTINGS = dataclasses.replace(LOOPBACK, timeout=2.0, min_in_flight=64)


def _retained() -> tracemalloc.Snapshot:
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [
            tracemalloc.Filter(False, "*/lab/*", all_frames=True),  # the agents
            tracemalloc.Filter(False, tracemalloc.__file__),
        ]
    )
    # what the service, the poller, the codec and the alarms allocated (anywhere below them)
    return snapshot.filter_traces(
        [tracemalloc.Filter(True, f"{folder}/*", all_frames=True) for folder in OURS]
    )


def test_rounds_do_not_grow_retained_allocations(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'alarms.db'}")
    store = AlarmStore(engine)
    store.ensure_schema()
    evaluator = AlarmEvaluator(store)
    with agent_lab(DEVICES) as lab:
        codes = list(lab.endpoints)
        targets = []
        for i, code in enumerate(codes):
            target = lab.target(code, version="v3" if i % 2 else "v2c", county=f"41130{i % 3}")
            peer = codes[(i + 1) % len(codes)]
            links = {
                f"GigabitEthernet0/0/{j}": f"{code}:GigabitEthernet0/0/{j} -- "
                f"{peer}:GigabitEthernet0/0/{j + 1}"
                for j in (1, 2)
            }
            targets.append(dataclasses.replace(target, links=links, interval_s=INTERVAL))
        service = MonitorService(Poller(targets, settings=SETTINGS), on_round=evaluator.on_round)
        groups = service.groups()
        assert len(groups) == 3
        sizes: list[int] = []
        snapshots: list[tracemalloc.Snapshot] = []

        async def run() -> None:
            try:
                for _ in range(ROUNDS):
                    # every shard's scheduled round, as the scheduler runs them
                    # (poll, stats, alarm hook, settle_memory)
                    await asyncio.gather(*(service._round(s, i, t) for (s, i), t in groups.items()))
                    snapshot = _retained()
                    snapshots.append(snapshot)
                    sizes.append(sum(s.size for s in snapshot.statistics("filename")))
            finally:
                await service.poller.close()

        tracemalloc.start(16)
        try:
            asyncio.run(run())
        finally:
            tracemalloc.stop()
    engine.dispose()
    assert service.stats.errors == 0
    last = service.stats.last
    assert sum(r.ok for r in last.values()) == DEVICES, "every device answered"
    # the service keeps a summary of each shard's last round, not its interfaces
    assert all(not p.interfaces and not p.records for r in last.values() for p in r.polls)
    assert all(p.requests for r in last.values() for p in r.polls)
    # a leak grows every round: the smaller of the last two rounds ignores one
    # round's transient (a writer or executor buffer alive at the snapshot)
    growth = min(sizes[-2:]) - sizes[2]
    top = [str(s) for s in snapshots[-1].compare_to(snapshots[2], "lineno")[:5]]
    assert growth <= SLACK, (sizes, top)
