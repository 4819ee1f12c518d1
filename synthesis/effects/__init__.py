"""Effect sizes from normalized entries, as metafor's escalc (escalc)."""
