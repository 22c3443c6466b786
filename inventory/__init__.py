"""egovnet inventory: the source of truth (hierarchy, departments, links, zones, IPAM).

Everything else reads it; it imports nothing from the other egovnet packages.
"""
