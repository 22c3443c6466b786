"""The emulated extranet: SSH device emulators, SNMP agents, network namespaces.

Used by the tests, the benchmarks and ``egovnet lab``/``demo``; the product never
imports it.
"""

import warnings

# asyncssh still names cryptography's DSA key types, which makes cryptography warn at
# import time; a lab user can do nothing about it, so it must not reach their terminal.
warnings.filterwarnings("ignore", message="DSA is deprecated", module="asyncssh")
