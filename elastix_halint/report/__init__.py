"""Reports for people (Rich) and for machines (JSON, SARIF, GitHub annotations)."""
