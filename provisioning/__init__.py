"""egovnet provisioning (planned; see README)."""
