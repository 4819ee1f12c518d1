"""Records: YAML read with lines (yamlio), checked (schema), normalized, loaded (review).

``synth validate`` alone also checks quotes against a record's ``source_text`` (provenance).
"""
