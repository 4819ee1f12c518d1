"""Property tests through the whole pipeline (records -> effects -> pooling).

The numeric core has its own properties in test_pooling_properties.py; these check that
the layers above keep them: the answer does not depend on the order of the files, weights
sum to 100, tau2 >= 0, the common-effect estimate lies within the range of the yi, and
nothing is NaN.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import synthesis

studies_strategy = st.lists(
    st.tuples(st.integers(1, 400), st.floats(0, 1)).map(lambda t: (round(t[0] * t[1]), t[0])),
    min_size=1,
    max_size=8,
)


def _pool(rows: list[tuple[int, int]], order: list[int], **kw) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for pos, i in enumerate(order):
            x, n = rows[i]
            (folder / f"f{pos:02d}.yaml").write_text(
                f"id: study{i}\ncitation: Study {i}\nyear: 2020\n"
                f"outcomes:\n  - {{name: ORR, events: {x}, total: {n}}}\n"
            )
        return synthesis.pool(studies=folder, outcome="ORR", **kw).to_dict()


@settings(max_examples=40, deadline=None)
@given(rows=studies_strategy, data=st.data(), method=st.sampled_from(["REML", "DL", "PM", "FE"]))
def test_file_order_does_not_matter(rows, data, method) -> None:
    order = data.draw(st.permutations(range(len(rows))))
    a = _pool(rows, list(range(len(rows))), method=method)
    b = _pool(rows, list(order), method=method)
    for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        if a[key] is None:
            assert b[key] is None
        else:
            assert math.isclose(a[key], b[key], rel_tol=1e-9, abs_tol=1e-12), key
    wa = {s["id"]: s["weight"] for s in a["studies"]}
    wb = {s["id"]: s["weight"] for s in b["studies"]}
    assert wa.keys() == wb.keys()
    for k in wa:
        assert math.isclose(wa[k], wb[k], rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=40, deadline=None)
@given(rows=studies_strategy, measure=st.sampled_from(["PLO", "PFT", "PAS", "PR"]))
def test_invariants(rows, measure) -> None:
    out = _pool(rows, list(range(len(rows))), measure=measure)
    text = json.dumps(out, allow_nan=False)  # raises on NaN/inf
    assert "NaN" not in text
    assert math.isclose(sum(s["weight"] for s in out["studies"]), 100.0, rel_tol=1e-9)
    tau2 = out["heterogeneity"]["tau2"]
    assert tau2 is None or tau2 >= 0
    fe = _pool(rows, list(range(len(rows))), measure=measure, method="FE")
    yi = [s["yi"] for s in fe["studies"]]
    est = fe["model_scale"]["estimate"]
    assert min(yi) - 1e-12 <= est <= max(yi) + 1e-12
    if out["k"] < 3:
        assert out["pi_low"] is None and out["pi_high"] is None
