"""Records: YAML read with lines (yamlio), checked (schema), normalized (normalize), loaded (review)."""
