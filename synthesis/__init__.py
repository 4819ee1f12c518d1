"""synth: evidence synthesis from YAML study records.

The flow reads from the module names:

    records (load + validate) -> normalize (tidy entries) -> effects (escalc)
    -> pooling (rma core) -> analysis (selection, subgroups) -> render (table/json/csv/md)
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["load_review", "pool"]


def __getattr__(name: str):  # lazy: `import synthesis` stays cheap
    if name == "pool":
        from synthesis.analyses.pool import pool

        return pool
    if name == "load_review":
        from synthesis.records.review import load_review

        return load_review
    raise AttributeError(f"module 'synthesis' has no attribute {name!r}")
