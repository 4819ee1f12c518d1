"""The exact sign test of study medians against a value (``synth pool --measure MED --null``).

A pooled median of medians has no standard error, so no z test: its interval is the
inversion of the sign test over the k study medians (see :mod:`synthesis.models.medians`).
The test that matches it asks whether the study medians lie above ``null`` as often as
below: S = the number of medians above ``null``, among the m medians that differ from it
(ties are dropped, as in R's ``binom.test(sum(x > null), sum(x != null))``), and the
two-sided exact binomial p-value with probability 1/2:

    p = min(1, 2 * P(X <= min(S, m - S))),  X ~ Binomial(m, 1/2),

which is R's ``binom.test`` p for p = 1/2 (its two-sided rule sums the outcomes no more
likely than the one observed; with p = 1/2 the distribution is symmetric, so that is
twice the smaller tail, capped at 1).

Reference: W. J. Conover, *Practical Nonparametric Statistics*, 3rd ed. (1999), sec. 3.4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["SignTest", "sign_test"]


@dataclass(frozen=True)
class SignTest:
    """S (medians above ``null``), m (medians that differ from it) and the exact p."""

    above: int
    below: int
    ties: int
    p_value: float | None  # None when every median equals ``null`` (m = 0)


def sign_test(values: Sequence[float], null: float) -> SignTest:
    """The two-sided exact sign test of ``values`` against ``null`` (ties dropped)."""
    xs = [float(x) for x in values]
    if not all(math.isfinite(x) for x in xs) or not math.isfinite(null):
        raise ValueError("sign_test needs finite values and a finite null")
    above = sum(x > null for x in xs)
    below = sum(x < null for x in xs)
    m = above + below
    if m == 0:
        return SignTest(above, below, len(xs), None)
    low = min(above, below)
    # exact: integer binomial coefficients, one division (correctly rounded)
    tail = sum(math.comb(m, i) for i in range(low + 1))
    p = min(1.0, 2 * tail / 2**m)
    return SignTest(above, below, len(xs) - m, p)
