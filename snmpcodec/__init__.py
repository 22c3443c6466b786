"""The SNMP wire codec shared by the poller and the lab's agent: BER and USM.

Neither monitoring nor lab: :mod:`monitoring.snmp` (the manager) and
:mod:`lab.snmp` (the emulated agents) both import it, and it imports neither
of them (nor inventory or web), only the standard library and
``cryptography``.

- :mod:`snmpcodec.ber`: BER for the SNMP subset (requests, responses,
  var-bind lists, OIDs as content octets on the hot path);
- :mod:`snmpcodec.usm`: the SNMPv3 User-based Security Model (RFC 3414,
  RFC 3826, RFC 7860): key localisation, HMAC authentication, AES/DES privacy,
  message encoding and decoding.

Own codec rather than pyasn1 (pysnmp's): pyasn1 costs milliseconds of CPU per
large message, this tens to hundreds of microseconds (bench/bench_poller.py,
bench/bench_lab_snmp.py).
"""
