"""Records: YAML read with lines (yamlio), checked (schema), normalized, loaded (review)."""
