"""Meta-regression (``synth regress``): metafor 3.8 ``rma.uni(mods = ...)`` and ``permutest``.

The numbers come from the one vectorized core in :mod:`synthesis.models.core`
(:func:`~synthesis.pooling.fit_batch_regression`); this module builds the design matrix,
packages one fit as a :class:`Regression` and runs permutation tests as single batches.

* :func:`design_matrix` codes moderators as R's ``model.matrix``: numeric columns enter as
  they are, other columns (and those named in ``factors``) are dummy-coded against their
  first level in sorted order (R's ``factor()``), named ``TAG=LEVEL``; rows with a missing
  value are dropped and reported; a redundant term is an error that names it.
* :func:`fit_regression` is ``rma(yi, vi, mods = X, method, test)``: coefficients with z
  (or t under ``test = "knha"``) tests, the omnibus test QM (chi-square, or F under knha),
  residual heterogeneity, metafor's pseudo-R2 and per-study fitted values and residuals.
* :func:`permutation_test` is ``permutest.rma.uni``: sign flips of yi for the
  intercept-only model, permutations of the rows of X otherwise, the observed arrangement
  counted, the comparison ``stat_perm >= stat_obs - sqrt(.Machine$double.eps)``, and
  ``exact`` used when asked for or when the count of distinct arrangements is at most the
  number of permutations asked for (metafor's rule).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from synthesis.models.core import CI_METHODS, fit_batch, fit_batch_regression
from synthesis.models.results import clean, clean_dict

__all__ = [
    "EXACT_LIMIT",
    "Coefficient",
    "Heterogeneity",
    "ModeratorTest",
    "Permutation",
    "Regression",
    "design_matrix",
    "exact_count",
    "fit_regression",
    "permutation_test",
]

INTERCEPT = "intercept"
COMPTOL = float(np.finfo(float).eps) ** 0.5  # permutest's control$comptol
EXACT_LIMIT = 1_000_000  # largest exact enumeration synth runs
_CHUNK = 20_000  # rows per batch of the core when a permutation test is larger


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Coefficient:
    """One model coefficient (analysis scale). ``statistic`` is z, or t under knha."""

    term: str
    estimate: float
    se: float
    statistic: float | None
    p_value: float | None
    ci_low: float
    ci_high: float
    permutation_p: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


@dataclass(frozen=True)
class ModeratorTest:
    """metafor's QM: chi-square with ``df`` (z), or F with ``df`` and ``df2`` (knha)."""

    statistic: float | None
    df: int
    df2: int | None
    p_value: float | None
    permutation_p: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


@dataclass(frozen=True)
class Heterogeneity:
    """Residual heterogeneity as metafor reports it with moderators (QE on k - p df)."""

    tau2: float | None
    I2: float | None
    H2: float | None
    Q: float | None
    Q_df: int
    Q_p: float | None

    def to_dict(self) -> dict[str, Any]:
        return clean_dict(self)


@dataclass(frozen=True)
class Regression:
    """One fitted meta-regression (``rma.uni`` with ``mods``); analysis scale."""

    method: str
    ci_method: str
    level: float
    k: int
    coefficients: tuple[Coefficient, ...]
    moderator_test: ModeratorTest
    residual_heterogeneity: Heterogeneity
    R2: float | None  # percent, metafor's pseudo R2; None without moderators
    fitted: tuple[float, ...]
    residuals: tuple[float, ...]
    df: int | None  # t df (k - p) under knha, None for z
    converged: bool = True
    permutations: dict[str, Any] | None = None  # {"n": ..., "exact": ...} once tested
    warnings: tuple[str, ...] = field(default=())
    # the coefficients' covariance matrix (metafor's vb, scaled by s2w under knha), row by
    # row: predictions at new moderator values (the bubble plot's band) need it
    vcov: tuple[tuple[float, ...], ...] = field(default=(), compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.term for c in self.coefficients)

    def coefficient(self, term: str) -> Coefficient:
        for c in self.coefficients:
            if c.term == term:
                return c
        raise KeyError(term)

    def with_permutation(self, perm: Permutation) -> Regression:
        """This fit with the permutation p values of ``perm`` filled in."""
        if perm.names != self.names:
            raise ValueError(f"permutation test of {perm.names}, model has {self.names}")
        coefs = tuple(
            replace(c, permutation_p=p)
            for c, p in zip(self.coefficients, perm.p_values, strict=True)
        )
        return replace(
            self,
            coefficients=coefs,
            moderator_test=replace(self.moderator_test, permutation_p=perm.QM_p),
            permutations={"n": perm.n, "exact": perm.exact},
            warnings=self.warnings + perm.warnings,
        )

    def to_dict(self) -> dict[str, Any]:
        """The contract's ``synth regress`` keys (without outcome/measure/studies)."""
        return {
            "method": self.method,
            "ci_method": self.ci_method,
            "level": self.level,
            "k": self.k,
            "coefficients": [c.to_dict() for c in self.coefficients],
            "moderator_test": self.moderator_test.to_dict(),
            "residual_heterogeneity": self.residual_heterogeneity.to_dict(),
            "R2": clean(self.R2),
            "permutations": self.permutations,
            "fitted": [clean(x) for x in self.fitted],
            "residuals": [clean(x) for x in self.residuals],
            "warnings": list(self.warnings),
        }

    def to_frame(self):  # -> pandas.DataFrame, one row per coefficient (pandas lazily)
        import pandas as pd

        return pd.DataFrame([c.to_dict() for c in self.coefficients])


@dataclass(frozen=True)
class Permutation:
    """A permutation test (metafor ``permutest``): p values per coefficient and for QM.

    ``n`` is the number of arrangements evaluated (the observed one included);
    ``exact_count`` is metafor's ``exact.iter``, the number of distinct arrangements;
    ``failed`` counts arrangements whose fit did not converge (left out, as metafor's
    ``na.rm``).
    """

    names: tuple[str, ...]
    p_values: tuple[float | None, ...]
    QM_p: float | None
    n: int
    exact: bool
    exact_count: int
    seed: int | None
    failed: int = 0
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "exact": self.exact,
            "exact_count": self.exact_count,
            "seed": self.seed,
            "failed": self.failed,
            "p_values": dict(zip(self.names, (clean(p) for p in self.p_values), strict=True)),
            "QM_p": clean(self.QM_p),
            "warnings": list(self.warnings),
        }

    def to_frame(self):  # -> pandas.DataFrame (pandas imported lazily)
        import pandas as pd

        return pd.DataFrame({"term": self.names, "permutation_p": self.p_values})


# --------------------------------------------------------------------------- design


def _missing(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, str):
        return not x.strip()
    try:
        return math.isnan(x)
    except TypeError:
        return False


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_)
    )


def _level_name(x: Any) -> str:
    if _is_number(x):
        f = float(x)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else f"{f:.15g}"
    return str(x)


def _dummies(name: str, values: list[Any]) -> tuple[list[np.ndarray], list[str]]:
    """Treatment coding against the first level in sorted order (R's factor())."""
    if all(_is_number(x) for x in values):
        levels = sorted(set(float(x) for x in values))
        keys = [float(x) for x in values]
    else:
        levels = sorted(set(str(x) for x in values))
        keys = [str(x) for x in values]
    if len(levels) < 2:
        only = _level_name(levels[0]) if levels else "none"
        raise ValueError(
            f"moderator {name!r} has a single level ({only!r}) among the studies used: "
            "it cannot be a moderator"
        )
    cols = [np.array([1.0 if kk == lv else 0.0 for kk in keys]) for lv in levels[1:]]
    return cols, [f"{name}={_level_name(lv)}" for lv in levels[1:]]


def _check_rank(X: np.ndarray, names: list[str], terms: list[str]) -> None:
    """Error naming the first column in the span of the ones before it (lm's 1e-7 rule)."""
    for j in range(1, X.shape[1]):
        prev, col = X[:, :j], X[:, j]
        coef, *_ = np.linalg.lstsq(prev, col, rcond=None)
        resid = col - prev @ coef
        if np.linalg.norm(resid) <= 1e-7 * max(np.linalg.norm(col), 1e-300):
            before = ", ".join(names[:j])
            raise ValueError(
                f"moderator {terms[j]!r} is redundant: column {names[j]!r} is a linear "
                f"combination of {before} among the studies used; drop it or another term"
            )


def design_matrix(
    *,
    columns: Mapping[str, Sequence[Any]],
    factors: set[str] | frozenset[str] = frozenset(),
    n_rows: int | None = None,
    check_rank: bool = True,
) -> tuple[np.ndarray, tuple[str, ...], tuple[int, ...]]:
    """The model matrix of ``~ TERM1 + TERM2 ...`` with an intercept, as R builds it.

    ``columns``: moderator name -> one value per study (in the order of the studies);
    a column whose values are all numbers (bool excepted) is continuous unless its name is
    in ``factors``; any other column is categorical, dummy-coded against its first level
    in sorted order (numbers sorted numerically), with columns named ``TAG=LEVEL``.
    Missing values (None, NaN, empty string) drop the row. Returns ``(X, names,
    dropped_rows)``: ``X`` ``(k, p)`` for the kept rows, names starting with
    ``"intercept"``, and the 0-based indices of the dropped rows. Without columns the
    model is intercept-only and ``n_rows`` gives k. Raises ``ValueError`` for columns of
    unequal length (or not ``n_rows`` long), a single-level factor or a redundant term
    (``check_rank=False`` leaves the rank to the caller, who may word that error itself).
    """
    lengths = {len(v) for v in columns.values()}
    if n_rows is not None:
        lengths.add(int(n_rows))
    if len(lengths) > 1:
        raise ValueError(f"moderator columns differ in length: {sorted(lengths)}")
    unknown = set(factors) - set(columns)
    if unknown:
        raise ValueError(f"factors names no moderator column: {sorted(unknown)}")
    if not lengths:
        raise ValueError("design_matrix needs n_rows when there are no moderator columns")
    n = lengths.pop()
    dropped = tuple(i for i in range(n) if any(_missing(col[i]) for col in columns.values()))
    gone = set(dropped)
    keep = [i for i in range(n) if i not in gone]
    if not keep:
        raise ValueError("every study lacks a value for at least one moderator")
    cols: list[np.ndarray] = [np.ones(len(keep))]
    names, terms = [INTERCEPT], [INTERCEPT]
    for name, col in columns.items():
        values = [col[i] for i in keep]
        if name not in factors and all(_is_number(x) for x in values):
            cols.append(np.asarray(values, dtype=float))
            names.append(name)
            terms.append(name)
        else:
            dcols, dnames = _dummies(name, values)
            cols.extend(dcols)
            names.extend(dnames)
            terms.extend([name] * len(dnames))
    X = np.column_stack(cols)
    if check_rank:
        _check_rank(X, names, terms)
    return X, tuple(names), dropped


# --------------------------------------------------------------------------- fitting


def _validate(yi, vi, X, names, ci_method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    Xa = np.asarray(X, dtype=float)
    if Xa.ndim == 1:
        Xa = Xa[:, None]
    if y.ndim != 1 or v.shape != y.shape or Xa.ndim != 2 or Xa.shape[0] != y.size:
        raise ValueError(
            f"yi, vi must be 1-D of one length k and X (k, p); got {y.shape}, {v.shape}, {Xa.shape}"
        )
    if len(names) != Xa.shape[1]:
        raise ValueError(f"{len(names)} names for {Xa.shape[1]} columns of X")
    if ci_method not in CI_METHODS:
        raise ValueError(f"unknown ci_method {ci_method!r}; expected 'wald' or 'hksj'")
    return y, v, Xa


def _has_intercept(X: np.ndarray) -> np.ndarray:
    return np.all(np.abs(X - 1.0) < 1e-8, axis=0)


def _r2(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str, tau2: float, fitted):
    """metafor's pseudo R2 (r2def "1"), percent; None without an intercept or moderators."""
    if X.shape[1] < 2 or not _has_intercept(X).any():
        return None
    if method == "FE":  # adjusted R2 of lm(yi ~ X, weights = 1/vi), truncated at 0
        if np.var(y) == 0:
            return 0.0
        w = 1.0 / v
        k, p = X.shape
        mean_f = np.sum(w * fitted) / np.sum(w)
        mss = np.sum(w * (fitted - mean_f) ** 2)
        rss = np.sum(w * (y - fitted) ** 2)
        adj = 1.0 - (1.0 - mss / (mss + rss)) * (k - 1) / (k - p)
        return max(0.0, 100.0 * adj)
    tau2_re = float(fit_batch(y[None], v[None], method=method, tau2_ci=False).tau2[0])
    if tau2_re == 0.0:
        return 0.0
    return max(0.0, 100.0 * (tau2_re - tau2) / tau2_re)


def _notes(batch, i: int, r2_none: bool) -> tuple[str, ...]:
    out: list[str] = []
    if not batch.converged[i]:
        out.append(f"{batch.method} estimator of tau2 did not converge")
    if batch.zero_scale[i]:
        out.append(
            "Knapp-Hartung scale factor is 0 (the model fits every estimate exactly): "
            "standard errors are 0 and the coefficient and moderator tests are not defined "
            "(statistic and p null; metafor gives t = +-Inf, p = 0); use --ci wald for tests "
            "from the studies' own variances"
        )
    if r2_none:
        out.append("R2 is not defined for a model without moderators (or without intercept)")
    return tuple(out)


def fit_regression(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    X: np.ndarray | Sequence[Sequence[float]],
    names: Sequence[str],
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
) -> Regression:
    """Meta-regression ``rma(yi, vi, mods = X, method, test)`` as metafor 3.8 fits it.

    ``X``: ``(k, p)`` design matrix with its intercept column (:func:`design_matrix`);
    ``names``: one per column; ``ci_method``: ``"wald"`` (z, chi-square QM) or ``"hksj"``
    (metafor ``test = "knha"``: t on k - p df, F QM). Needs k > p and a full-rank X.
    """
    y, v, Xa = _validate(yi, vi, X, names, ci_method)
    b = fit_batch_regression(y[None], v[None], Xa, method=method, ci=ci_method, level=level)
    knha = ci_method == "hksj"
    untested = bool(b.zero_scale[0])  # Knapp-Hartung scale 0: no t test (as synth pool)
    coefs = tuple(
        Coefficient(
            term=str(names[j]),
            estimate=float(b.coef[0, j]),
            se=float(b.se[0, j]),
            statistic=None if untested else clean(b.statistic[0, j]),
            p_value=None if untested else clean(b.p_value[0, j]),
            ci_low=float(b.ci_low[0, j]),
            ci_high=float(b.ci_high[0, j]),
        )
        for j in range(Xa.shape[1])
    )
    tau2 = clean(b.tau2[0])
    fitted = b.fitted[0]
    r2 = _r2(y, v, Xa, b.method, 0.0 if tau2 is None else tau2, fitted)
    return Regression(
        method=b.method,
        ci_method=ci_method,
        level=b.level,
        k=int(b.k[0]),
        coefficients=coefs,
        moderator_test=ModeratorTest(
            statistic=clean(b.QM[0]),
            df=b.QM_df,
            df2=int(b.QM_df2[0]) if knha else None,
            p_value=clean(b.QM_p[0]),
        ),
        residual_heterogeneity=Heterogeneity(
            tau2=tau2,
            I2=clean(b.I2[0]),
            H2=clean(b.H2[0]),
            Q=clean(b.QE[0]),
            Q_df=int(b.QE_df[0]),
            Q_p=clean(b.QE_p[0]),
        ),
        R2=r2,
        fitted=tuple(float(x) for x in fitted),
        residuals=tuple(float(x) for x in b.residuals[0]),
        df=int(b.df[0]) if knha else None,
        converged=bool(b.converged[0]),
        warnings=_notes(b, 0, r2 is None),
        vcov=tuple(tuple(float(x) for x in row) for row in b.vcov[0]),
    )


# --------------------------------------------------------------------------- permutations


def _row_classes(X: np.ndarray) -> np.ndarray:
    """Class label per row: rows equal in every column share a label."""
    _, inverse = np.unique(X, axis=0, return_inverse=True)
    return np.asarray(inverse).ravel()


def exact_count(X: np.ndarray) -> int:
    """metafor's ``exact.iter``: 2^k for an intercept-only X, else the number of
    distinct row arrangements k! / prod(n_c!) (n_c: rows equal to each distinct row)."""
    Xa = np.asarray(X, dtype=float)
    k = Xa.shape[0]
    if Xa.shape[1] == 1 and _has_intercept(Xa)[0]:
        return 2**k
    counts = np.bincount(_row_classes(Xa))
    out = math.factorial(k)
    for c in counts:
        out //= math.factorial(int(c))
    return out


def _arrangements(labels: np.ndarray) -> np.ndarray:
    """Every distinct arrangement of a multiset of class labels, (count, k) of labels."""
    k = labels.size
    classes, counts = np.unique(labels, return_counts=True)
    arr = np.full((1, k), -1, dtype=np.int64)
    for c, n_c in zip(classes[:-1], counts[:-1], strict=True):
        free = np.nonzero(arr < 0)[1].reshape(arr.shape[0], -1)  # free slots per row
        combos = np.array(list(itertools.combinations(range(free.shape[1]), int(n_c))))
        new = np.repeat(arr, len(combos), axis=0)
        rows = np.repeat(np.arange(arr.shape[0]), len(combos))
        pick = free[rows[:, None], np.tile(combos, (arr.shape[0], 1))]
        new[np.arange(new.shape[0])[:, None], pick] = c
        arr = new
    arr[arr < 0] = classes[-1]
    return arr


def _perm_stats(y, v, X, int_only, arr, rng, lo, hi, fit_kw):
    """(|stat| (rows, p), QM (rows,)) for arrangements lo..hi-1, one batch of the core.

    ``arr``: the exact arrangements (rows of X per arrangement), None for random ones;
    exact sign flips need neither: arrangement i flips the studies whose bit is set in i.
    """
    k = y.size
    if int_only:
        if rng is None:
            idx = np.arange(lo, hi, dtype=np.int64)[:, None]
            signs = np.where((idx >> np.arange(k)) & 1, -1.0, 1.0)
        else:
            signs = rng.choice(np.array([-1.0, 1.0]), size=(hi - lo, k))
        yb, Xb = signs * y, X
    else:
        yb = np.broadcast_to(y, (hi - lo, k))
        rows = arr[lo:hi] if rng is None else np.argsort(rng.random((hi - lo, k)), axis=1)
        Xb = X[rows]
    b = fit_batch_regression(yb, np.broadcast_to(v, yb.shape), Xb, **fit_kw)
    bad = ~b.converged
    return np.where(bad[:, None], np.nan, np.abs(b.statistic)), np.where(bad, np.nan, b.QM)


def _share(perm: np.ndarray, observed: float) -> float | None:
    """permutest: mean(perm >= observed - comptol, na.rm = TRUE)."""
    ok = ~np.isnan(perm)
    if math.isnan(observed) or not ok.any():
        return None
    return float(np.mean(perm[ok] >= observed - COMPTOL))


def _summarize(names, obs, stat, qm, exact, count, seed) -> Permutation:
    z_obs = np.abs(obs.statistic[0])
    p_values = tuple(_share(stat[:, j], float(z_obs[j])) for j in range(len(names)))
    qm_p = _share(qm, float(obs.QM[0]))
    failed = int(np.isnan(qm).sum()) if not np.isnan(obs.QM[0]) else 0
    notes: list[str] = []
    if failed:
        notes.append(
            f"permutation test: {failed} of {qm.size} arrangements did not converge and "
            "were left out (as metafor)"
        )
    if qm_p is None:
        notes.append("permutation test: the moderator test is not defined for the data")
    return Permutation(
        names=tuple(str(x) for x in names),
        p_values=p_values,
        QM_p=qm_p,
        n=int(qm.size),
        exact=exact,
        exact_count=count,
        seed=None if exact else seed,
        failed=failed,
        warnings=tuple(notes),
    )


def permutation_test(
    *,
    yi: Sequence[float] | np.ndarray,
    vi: Sequence[float] | np.ndarray,
    X: np.ndarray | Sequence[Sequence[float]],
    names: Sequence[str],
    method: str = "REML",
    ci_method: str = "wald",
    level: float = 0.95,
    permutations: int | Literal["exact"] = 1000,
    seed: int | None = None,
    chunk: int = _CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> Permutation:
    """metafor ``permutest.rma.uni`` for the model ``fit_regression`` fits.

    Intercept-only X: the signs of yi are flipped (2^k arrangements); otherwise the rows
    of X are permuted against yi (k! / prod(n_c!) distinct arrangements). The test is
    exact (every arrangement once) when ``permutations == "exact"`` or when that count is
    at most ``permutations`` (metafor's rule); otherwise ``permutations`` random
    arrangements (numpy ``default_rng(seed)``), the first one the observed data.
    p = share of arrangements with |z| (or QM) >= the observed value - sqrt(eps).
    The arrangements are fitted in batches of ``chunk``; ``progress(done, total)`` is
    called after each batch (a command line shows it for long tests).
    """
    y, v, Xa = _validate(yi, vi, X, names, ci_method)
    int_only = Xa.shape[1] == 1 and bool(_has_intercept(Xa)[0])
    count = exact_count(Xa)
    if permutations == "exact":
        exact = True
    elif isinstance(permutations, (int, np.integer)) and not isinstance(permutations, bool):
        if permutations < 2:
            raise ValueError("permutations must be >= 2 (or 'exact')")
        exact = count <= permutations
    else:
        raise ValueError(f"permutations must be an integer or 'exact', got {permutations!r}")
    if exact and count > EXACT_LIMIT:
        raise ValueError(
            f"an exact test needs {count} arrangements (limit {EXACT_LIMIT}); "
            "ask for a number of random permutations instead"
        )
    n = count if exact else int(permutations)
    fit_kw = {"method": method, "ci": ci_method, "level": level}
    obs = fit_batch_regression(y[None], v[None], Xa, **fit_kw)
    fit_kw["btt"] = obs.btt
    arr = None
    if exact and not int_only:
        labels = _row_classes(Xa)
        reps = np.array([np.flatnonzero(labels == c)[0] for c in range(labels.max() + 1)])
        arr = reps[_arrangements(labels)]  # row indices of X, one arrangement per row
    rng = None if exact else np.random.default_rng(seed)
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    chunks = []
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        chunks.append(_perm_stats(y, v, Xa, int_only, arr, rng, lo, hi, fit_kw))
        if progress is not None:
            progress(hi, n)
    stat = np.concatenate([c[0] for c in chunks])
    qm = np.concatenate([c[1] for c in chunks])
    if not exact:  # metafor: the first arrangement is the observed one
        stat[0], qm[0] = np.abs(obs.statistic[0]), obs.QM[0]
    return _summarize(names, obs, stat, qm, exact, count, seed)
