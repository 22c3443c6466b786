"""egovnet security (planned; see README)."""
