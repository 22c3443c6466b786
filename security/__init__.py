"""egovnet security: the network model of device configurations, the four invariants
of the extranet (``policy``, with the provisioning gate ``check_change``) and the 等保
baseline B1-B13 (``baseline``). See docs/SECURITY.md."""
