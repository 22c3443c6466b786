"""Packet inspection: capture files and live captures judged at named capture points.

See docs/SECURITY.md (Inspection). Modules: :mod:`.pcapio` (streaming pcap/pcapng),
:mod:`.decode` (headers and payload peeks), :mod:`.points` (capture points, the
address plan, thresholds), :mod:`.owners` (address -> node and department),
:mod:`.engine` (flows and findings), :mod:`.live` (scapy capture), :mod:`.cli`.
"""
