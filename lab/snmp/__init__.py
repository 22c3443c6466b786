"""Every emulated lab device answers SNMP v2c and v3 from its live state.

Design decision: an agent of our own, not snmpsim with generated data.
snmpsim (measured here, DEVICES.md) costs ~17 ms CPU per response, needs
113 s and 3.6 GB of index to start 6,500 devices, caps GETBULK near 60
var-binds and serves static files, so shutting an interface or a moving
counter cannot show. This package instead:

- speaks BER and USM with :mod:`snmpcodec`, the codec the poller uses too
  (a few hundred lines for the SNMP subset on ``cryptography``; pyasn1, which
  pysnmp uses, costs milliseconds per large message): HMAC-MD5/SHA-1/SHA-2
  auth, AES-128-CFB and DES-CBC privacy, RFC 3414 key localisation; the
  agent adds engineID discovery, time-window and error reports;
- describes the MIB once as sorted columns (:mod:`lab.snmp.columns`) and
  keeps per device only sorted row indexes (:mod:`lab.snmp.mib`), so
  GETNEXT/GETBULK are bisects and a device costs kilobytes, built lazily on
  its first request (start-up is socket binding and key localisation only);
- computes sysUpTime, ifAdminStatus/ifOperStatus and every counter from
  :class:`lab.model.DeviceRuntime` at request time.

Net-SNMP's tools and pysnmp's client judge it in ``tests/lab/snmp``.
Routes are served in both inetCidrRouteTable (RFC 4292) and the older
ipCidrRouteTable (RFC 2096).

Typical use::

    agent = SnmpAgent(network)
    endpoint = await agent.serve(["NY-CORE-1", "NY-EGRESS-1"], "127.0.0.1", 16100)
    ...
    await agent.close()

or, from synchronous code, ``with AgentThread(agent) as runner: runner.serve(...)``.
"""

from lab.snmp.agent import AgentThread, SnmpAgent, SnmpEndpoint, V3Protocols
from lab.snmp.errors import EndpointConfigError, SnmpLabError
from lab.snmp.mib import DeviceMib

__all__ = [
    "AgentThread",
    "DeviceMib",
    "EndpointConfigError",
    "SnmpAgent",
    "SnmpEndpoint",
    "SnmpLabError",
    "V3Protocols",
]
