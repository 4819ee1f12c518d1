"""synth: evidence synthesis from YAML study records.

The flow reads from the module names:

    records (load + validate) -> normalize (tidy entries) -> effects (escalc)
    -> pooling (rma core) -> analysis (selection, subgroups) -> render (table/json/csv/md)
"""

from __future__ import annotations

__version__ = "0.1.0"
