"""Meta-regression of one outcome on study characteristics: the library behind ``synth regress``.

The rows and their effect sizes are those of :func:`synthesis.analyses.pool.pool` (same
selection, same measures, same continuity corrections); the moderators come from the
records: ``year``, ``n`` (the row's patients, else the record's top-level ``n``) and tags.
The model is metafor 3.8's ``rma(yi, vi, mods = ~ ..., method, test)`` fitted by
:func:`synthesis.models.regression.fit_regression`, and ``--permutations`` is
``permutest()`` (:func:`~synthesis.models.regression.permutation_test`).

Moderator coding (contract, section 6), as R's ``model.matrix``:

* ``year`` and ``n`` are numbers (continuous).
* A tag whose values (among the rows used) are all numbers is continuous. The records
  keep tag values as text (``tags: {ablat: 44}`` is read as ``"44"``), so numbers are
  read back from that text with a strict decimal pattern (``44`` -> 44, ``44.5`` -> 44.5,
  ``1e-05`` -> 1e-05; ``nan``, ``inf``, ``1_000`` and ``0x1F`` as text stay text). A value
  that YAML reads as a number is written by Python's ``str()``, which round-trips every
  integer and every float exactly, so nothing is lost on the way back.
* Any other tag is categorical, dummy-coded against its first level in sorted order (R's
  ``factor()``), each dummy named ``TAG=LEVEL``. Levels are sorted by code point, as R does
  in the C locale (R in an English locale would put ``a`` before ``B``); numbers forced
  to be categorical with ``factor(TAG)`` sort numerically, as R's ``factor()`` of a number.
* ``factor(TAG)`` (also ``factor(year)``) forces categorical coding.

A row without a value for a moderator is left out with a warning naming it. Bad input
(an unknown moderator, one with a single value, more coefficients than rows, collinear
moderators, an exact permutation test beyond :data:`EXACT_LIMIT`, medians, the GLMM) is
a :class:`~synthesis.errors.SynthError` with a message saying what to do.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from synthesis.analyses.order import DEFAULT_SORT, check_sort, sort_studies
from synthesis.errors import SynthError
from synthesis.measures import MEASURES, RE_METHODS
from synthesis.models.regression import (
    EXACT_LIMIT,
    Coefficient,
    Heterogeneity,
    ModeratorTest,
    Regression,
    design_matrix,
    exact_count,
    fit_regression,
    permutation_test,
)
from synthesis.models.results import clean
from synthesis.records.review import Review, load_review
from synthesis.records.schema import WHOLE_COHORT, suggest

if TYPE_CHECKING:  # pragma: no cover
    from synthesis.analyses.pool import PoolResult, StudyResult

__all__ = [
    "EXACT_LIMIT",
    "PERMUTATION_CHUNK",
    "RECORD_FIELDS",
    "RegressResult",
    "RegressStudy",
    "Term",
    "parse_mods",
    "parse_number",
    "regress",
]

#: moderators that are fields of every record rather than tags
RECORD_FIELDS: tuple[str, ...] = ("year", "n")
#: arrangements per batch of the core in a permutation test (about 0.3 s for REML, k = 13);
#: the random stream does not depend on it, so the p values do not either
PERMUTATION_CHUNK = 2_000
#: the suggestion made when an exact test is too large
SUGGESTED_PERMUTATIONS = 10_000
#: the Cochrane Handbook's rule of thumb (section 10.11.5.1): 10 studies per moderator
STUDIES_PER_MODERATOR = 10

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_FACTOR = re.compile(r"factor\((.*)\)")
_NAME = re.compile(r"[^\s,()=]+")
_FORMULA = re.compile(r"[+*:~^]")  # R formula operators: moderators are listed with commas
# warnings of pool()'s own intercept-only model; the meta-regression has its own
_POOL_MODEL_WARNINGS = ("I² = ", "k = 2: ", "the FE estimate of tau²", "the REML estimate of tau²")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Term:
    """One moderator as asked for: ``name`` (``year``, ``n`` or a tag), ``factor`` when
    written ``factor(NAME)``; ``text`` is what the user wrote."""

    name: str
    factor: bool = False

    @property
    def text(self) -> str:
        return f"factor({self.name})" if self.factor else self.name


@dataclass(frozen=True)
class RegressStudy:
    """One row of the meta-regression (analysis scale)."""

    id: str
    arm: str | None
    label: str
    yi: float
    vi: float
    moderators: dict[str, Any]
    fitted: float
    residual: float
    weight: float  # percent, 1 / (vi + tau2) normalised (1 / vi for FE)
    n: int | None
    year: int

    def to_dict(self) -> dict[str, Any]:
        """The contract's per-study keys (section 6)."""
        return {
            "id": self.id,
            "arm": self.arm,
            "yi": clean(self.yi),
            "vi": clean(self.vi),
            "moderators": dict(self.moderators),
            "fitted": clean(self.fitted),
            "residual": clean(self.residual),
        }


@dataclass(frozen=True)
class RegressResult:
    """A meta-regression of one outcome; :meth:`to_dict` is the contract's JSON (section 6).

    Coefficients, their tests and the fitted values are on the analysis scale (log RR,
    logit ...); :meth:`back` takes a value to the reporting scale. ``X`` is the model
    matrix (rows of ``studies`` by ``names``); ``continuous`` the columns of continuous
    moderators (those a bubble plot can draw); ``term_of`` the moderator behind each
    column.
    """

    outcome: str
    measure: str
    method: str
    ci_method: str
    level: float
    k: int
    mods: tuple[Term, ...]
    coefficients: tuple[Coefficient, ...]
    moderator_test: ModeratorTest
    residual_heterogeneity: Heterogeneity
    R2: float | None
    permutations: dict[str, Any] | None
    studies: tuple[RegressStudy, ...]
    warnings: tuple[str, ...]
    names: tuple[str, ...]
    X: tuple[tuple[float, ...], ...] = field(repr=False)
    term_of: tuple[str, ...] = ()
    continuous: tuple[str, ...] = ()
    df: int | None = None
    dropped: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    seed: int | None = None
    record_warnings: tuple[str, ...] = ()
    regression: Regression | None = field(default=None, compare=False, repr=False)
    pooled: PoolResult | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Exactly the keys of ``synth regress --format json`` (contract, section 6)."""
        return {
            "outcome": self.outcome,
            "measure": self.measure,
            "method": self.method,
            "ci_method": self.ci_method,
            "level": self.level,
            "k": self.k,
            "coefficients": [c.to_dict() for c in self.coefficients],
            "moderator_test": self.moderator_test.to_dict(),
            "residual_heterogeneity": self.residual_heterogeneity.to_dict(),
            "R2": clean(self.R2),
            "permutations": None if self.permutations is None else dict(self.permutations),
            "studies": [s.to_dict() for s in self.studies],
            "warnings": [*self.record_warnings, *self.warnings],
        }

    def to_frame(self):  # -> pandas.DataFrame, one row per coefficient (pandas lazily)
        import pandas as pd

        return pd.DataFrame([c.to_dict() for c in self.coefficients])

    @property
    def log_scale(self) -> bool:
        """True when the measure is analysed on the log scale (coefficients exponentiate)."""
        m = MEASURES.get(self.measure)
        return bool(m and m.log)

    def back(self, value: float | None) -> float | None:
        """*value* on the analysis scale, on the reporting scale of the measure."""
        if value is None or self.pooled is None:
            return value
        return self.pooled.back(value)

    @property
    def design(self) -> np.ndarray:
        return np.array(self.X, dtype=float).reshape(self.k, len(self.names))

    def predict(self, X0: np.ndarray | Sequence[Sequence[float]]):
        """Fitted values at new rows of the model matrix, with their confidence interval.

        Returns ``(mu, ci_low, ci_high)`` arrays on the analysis scale: ``mu = X0 b``,
        ``se = sqrt(diag(X0 vb X0'))``, ``mu -/+ crit se`` with ``crit`` the normal (or, under
        ``--ci hksj``, the t(k - p)) quantile, as metafor's ``predict.rma``.
        """
        from synthesis.special import ndtri, stdtrit

        x0 = np.atleast_2d(np.asarray(X0, dtype=float))
        if x0.shape[1] != len(self.names):
            raise ValueError(f"X0 needs {len(self.names)} columns, got {x0.shape[1]}")
        b = np.array([c.estimate for c in self.coefficients])
        if self.regression is None or not self.regression.vcov:
            raise ValueError("this result carries no covariance matrix")
        vb = np.array(self.regression.vcov, dtype=float)
        mu = x0 @ b
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x0, vb, x0), 0.0))
        alpha = 1.0 - self.level
        if self.df is not None:
            crit = float(stdtrit(float(self.df), 1.0 - alpha / 2.0))
        else:
            crit = float(ndtri(1.0 - alpha / 2.0))
        return mu, mu - crit * se, mu + crit * se


# --------------------------------------------------------------------------- moderators


def parse_number(text: Any) -> int | float | None:
    """A tag value read back as a number, or None when it is not one.

    Only plain decimal numbers count (``44``, ``-3``, ``0.25``, ``.5``, ``1e-05``):
    ``nan``, ``inf``, ``1_000``, ``0x1F`` and empty text are not numbers here.
    Integers stay integers, so ``"44"`` is 44 and ``"44.0"`` is 44.0.
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float)):
        return text if np.isfinite(text) else None
    s = str(text).strip()
    if not _NUMBER.fullmatch(s):
        return None
    if _INTEGER.fullmatch(s):
        return int(s)
    value = float(s)
    return value if np.isfinite(value) else None


def parse_mods(mods: Sequence[str] | str | None) -> tuple[Term, ...]:
    """``--mods`` as given (``"ablat,factor(alloc)"``, possibly repeated) -> terms.

    Items are separated by commas; ``factor(NAME)`` forces categorical coding.
    Raises :class:`SynthError` for an empty item, a malformed term or a repeated one.
    """
    if mods is None:
        return ()
    items = [mods] if isinstance(mods, str) else list(mods)
    terms: list[Term] = []
    seen: dict[str, str] = {}
    for item in items:
        for raw in str(item).split(","):
            text = raw.strip()
            if not text:
                raise SynthError(
                    f"--mods {item!r}: an empty moderator; separate moderators by single "
                    "commas, e.g. --mods ablat,year"
                )
            m = _FACTOR.fullmatch(text.replace(" ", ""))
            name, factor = (m.group(1), True) if m else (text, False)
            if not _NAME.fullmatch(name):
                raise SynthError(
                    f"--mods {text}: not a moderator name; give year, n, a tag or "
                    "factor(TAG), e.g. --mods ablat,factor(alloc)"
                )
            if name in seen:
                raise SynthError(
                    f"--mods: {name} is given twice ({seen[name]} and {text}); give it once"
                )
            seen[name] = text
            terms.append(Term(name, factor))
    return tuple(terms)


def _row_label(s: StudyResult) -> str:
    return s.id + (f"/{s.arm}" if s.arm and s.arm != WHOLE_COHORT else "")


def _raw_value(s: StudyResult, name: str, review: Review) -> Any:
    """The moderator's value for one row as the records give it (None when absent)."""
    if name == "year":
        return s.year
    if name == "n":
        if s.n is not None:
            return s.n
        try:
            return review.study(s.id).n
        except KeyError:  # pragma: no cover - every row comes from a study of the review
            return None
    value = s.tags.get(name)
    return None if value is None or not str(value).strip() else value


def _known_moderators(review: Review, terms: Sequence[Term]) -> list[str]:
    tags = sorted({t for st in review.studies for t in st.tags})
    for term in terms:
        if term.name in RECORD_FIELDS or term.name in tags:
            continue
        if _FORMULA.search(term.name):
            raise SynthError(
                f"--mods {term.text}: not a moderator name; give year, n, a tag or "
                "factor(TAG), e.g. --mods ablat,factor(alloc)"
            )
        listing = (
            f"moderators: year, n and the tags {', '.join(tags)}"
            if tags
            else "moderators: year and n; no study has tags"
        )
        raise SynthError(
            f"--mods {term.text}: no study has a tag '{term.name}'"
            f"{suggest(term.name, [*RECORD_FIELDS, *tags])} ({listing})"
        )
    return tags


def _level_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _columns(
    rows: Sequence[StudyResult], terms: Sequence[Term], review: Review
) -> tuple[dict[str, list[Any]], dict[str, bool], list[list[Any]]]:
    """Per term: the values of every row (numbers where the term is numeric), whether the
    term is continuous, and the raw values (for the output) per row."""
    raw = [[_raw_value(s, t.name, review) for t in terms] for s in rows]
    columns: dict[str, list[Any]] = {}
    continuous: dict[str, bool] = {}
    shown: list[list[Any]] = [list(r) for r in raw]
    for j, term in enumerate(terms):
        values = [r[j] for r in raw]
        present = [v for v in values if v is not None]
        numbers = [parse_number(v) for v in present]
        numeric = bool(present) and all(x is not None for x in numbers)
        if numeric:
            parsed = [None if v is None else parse_number(v) for v in values]
            columns[term.name] = [None if x is None else float(x) for x in parsed]
            for i, x in enumerate(parsed):
                shown[i][j] = x
        else:
            columns[term.name] = [None if v is None else str(v) for v in values]
        continuous[term.name] = numeric and not term.factor
    return columns, continuous, shown


def _check_values(
    terms: Sequence[Term],
    columns: dict[str, list[Any]],
    continuous: dict[str, bool],
    keep: Sequence[int],
    outcome: str,
) -> None:
    for term in terms:
        values = [columns[term.name][i] for i in keep]
        distinct = sorted(set(values), key=lambda x: (str(type(x)), x))
        if len(distinct) < 2:
            kind = "value" if continuous[term.name] else "level"
            only = _level_text(distinct[0]) if distinct else "none"
            raise SynthError(
                f"--mods {term.text}: every study of {outcome} used has {term.name} = {only}; "
                f"a moderator needs at least two different {kind}s among the studies "
                "(leave it out, or add studies that differ in it)"
            )


def _term_columns(
    names: Sequence[str], terms: Sequence[Term], continuous: dict[str, bool]
) -> list[str]:
    """The moderator behind each column of X (design_matrix's order: intercept, then the
    terms in order, one column for a continuous term, one per dummy otherwise)."""
    out = ["intercept"]
    j = 1
    for term in terms:
        if continuous[term.name]:
            out.append(term.name)
            j += 1
            continue
        while j < len(names) and names[j].startswith(f"{term.name}="):
            out.append(term.name)
            j += 1
    if len(out) != len(names):  # pragma: no cover - guards the coding above
        raise AssertionError(f"columns {names} do not follow the terms {terms}")
    return out


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _check_rank(X: np.ndarray, names: Sequence[str], terms: Sequence[str], k: int) -> None:
    """Error naming the collinear moderators (the first column in the span of the ones
    before it, and the moderators of the columns that span it); lm's 1e-7 rule, plus
    metafor's eigenvalue test of X'X (evtol 1e-7)."""
    for j in range(1, X.shape[1]):
        prev, col = X[:, :j], X[:, j]
        coef, *_ = np.linalg.lstsq(prev, col, rcond=None)
        resid = col - prev @ coef
        scale = max(float(np.linalg.norm(col)), 1e-300)
        if np.linalg.norm(resid) > 1e-7 * scale:
            continue
        used = [i for i in range(j) if abs(coef[i]) * np.linalg.norm(prev[:, i]) > 1e-6 * scale]
        others = list(dict.fromkeys(terms[i] for i in used if terms[i] not in ("intercept",)))
        others = [t for t in others if t != terms[j]] or others
        spanned = ", ".join(names[i] for i in used) or "the intercept"
        if others and others != [terms[j]]:
            raise SynthError(
                f"--mods: {_and([terms[j], *others])} are collinear among the {k} studies used "
                f"(column {names[j]} is a linear combination of {spanned}); "
                "drop one of them"
            )
        raise SynthError(
            f"--mods: {terms[j]} is redundant among the {k} studies used (column {names[j]} "
            f"is a linear combination of {spanned}); drop it"
        )
    if np.linalg.eigvalsh(X.T @ X)[0] <= 1e-7:
        raise SynthError(
            f"--mods: the moderators {_and(list(dict.fromkeys(terms[1:])))} are nearly "
            f"collinear among the {k} studies used (metafor: model matrix not of full rank); "
            "drop one or rescale it"
        )


# --------------------------------------------------------------------------- the analysis


def _check_method(method: str | None, measure: str | None) -> str:
    m = "REML" if method is None else method.upper()
    if m == "GLMM":
        raise SynthError(
            "--method GLMM: meta-regression with the logistic-normal GLMM is not available; "
            "use an inverse-variance estimator of tau² (REML, DL, PM, ML, HE, SJ, HS, EB or "
            "FE), e.g. --method REML"
        )
    if m in ("WM", "MM"):
        raise SynthError(
            f"--method {m} pools medians, which have no sampling variances and cannot enter "
            "a meta-regression; use an estimator of tau² such as --method REML"
        )
    if m not in RE_METHODS:
        raise SynthError(f"--method {m}: use one of {', '.join(RE_METHODS)}")
    if measure is not None and measure.upper() == "MED":
        raise SynthError(_MED_MESSAGE)
    return m


_MED_MESSAGE = (
    "--measure MED: medians have no sampling variances, so they cannot enter a "
    "meta-regression; use a measure with variances (e.g. --measure HR for hazard ratios)"
)


def _parse_permutations(permutations: int | str | None) -> int | Literal["exact"] | None:
    if permutations is None:
        return None
    if isinstance(permutations, str):
        text = permutations.strip().lower()
        if text == "exact":
            return "exact"
        if not re.fullmatch(r"\d+", text):
            raise SynthError(
                f"--permutations {permutations}: give a number of permutations "
                "(e.g. 1000) or 'exact'"
            )
        permutations = int(text)
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)):
        raise SynthError(f"--permutations {permutations!r}: give a number or 'exact'")
    if permutations < 2:
        raise SynthError(
            f"--permutations {permutations}: needs at least 2 permutations "
            "(1000 or more for a p value worth reading), or 'exact'"
        )
    return int(permutations)


def _weights(vi: np.ndarray, tau2: float | None) -> np.ndarray:
    w = 1.0 / (vi + (tau2 or 0.0))
    return 100.0 * w / w.sum()


def _how_many(count: int) -> str:
    """A count of permutations a reader can take in: exact with thousands separators up to
    a trillion, else 'about 2.6e1133' (the count can have a thousand digits)."""
    if count < 10**12:
        return f"{count:,}"
    from decimal import Decimal

    mantissa, exponent = f"{Decimal(count):.1e}".split("e")
    return f"about {mantissa}e{int(exponent)}"


def regress(
    review: Review | None = None,
    *,
    outcome: str,
    mods: Sequence[str] | str | None = (),
    measure: str | None = None,
    method: str | None = None,
    ci: str = "wald",
    level: float = 0.95,
    where: Sequence[str] = (),
    permutations: int | str | None = None,
    seed: int | None = None,
    studies: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    sort: str = DEFAULT_SORT,
) -> RegressResult:
    """Meta-regression of one outcome on moderators: ``synth regress``.

    ``mods``: terms such as ``["ablat", "factor(alloc)"]`` or ``"ablat,year"`` (empty: the
    intercept-only model); ``measure``, ``method`` (REML by default), ``ci`` (``wald`` or
    ``hksj``, metafor's ``test = "knha"``), ``level`` and ``where`` as in
    :func:`synthesis.analyses.pool.pool`. ``permutations``: a number of random permutations
    or ``"exact"`` (metafor's ``permutest``; exact enumeration is also used when there are
    no more distinct arrangements than asked for), drawn from ``numpy.random.default_rng
    (seed)``; without a seed one is drawn and named in the warnings so that the run can be
    repeated. ``progress(done, total)`` is called as the permutations proceed. ``sort``
    orders the study rows (and the rows of the model matrix) as ``synth pool --sort``
    (:data:`synthesis.analyses.order.SORTS`); the model is fitted on the rows in the
    listed order (metafor's, and the permutations' with a seed), so the numbers do not
    depend on it.
    """
    from synthesis.analyses.pool import pool

    if review is None:
        review = load_review(studies)
    terms = parse_mods(mods)
    method = _check_method(method, measure)
    perms = _parse_permutations(permutations)
    if seed is not None and (isinstance(seed, bool) or not 0 <= int(seed) < 2**63):
        raise SynthError(f"--seed {seed}: give a whole number from 0 to 2^63 - 1")
    _known_moderators(review, terms)
    check_sort(sort)

    pooled = pool(
        review,
        outcome=outcome,
        measure=measure,
        # the rows and effect sizes are all that is used of pool(): FE spares an iteration
        method=None if measure is None else "FE",
        ci=ci,
        level=level,
        where=where,
        sort="listed",  # rows in the order of the studies folder, as written
    )
    if pooled.measure == "MED":
        raise SynthError(_MED_MESSAGE)
    warnings = [w for w in pooled.warnings if not w.startswith(_POOL_MODEL_WARNINGS)]
    rows = list(pooled.studies)
    labels = [_row_label(s) for s in rows]
    for name in RECORD_FIELDS:
        if any(t.name == name for t in terms) and any(name in st.tags for st in review.studies):
            warnings.append(
                f"moderator {name} is the record's '{name}' field; the tag of the same name "
                "is not used (rename the tag to use it)"
            )

    columns, continuous, shown = _columns(rows, terms, review)
    missing = {i: [t.text for t in terms if columns[t.name][i] is None] for i in range(len(rows))}
    dropped = [i for i, miss in missing.items() if miss]
    keep = [i for i in range(len(rows)) if i not in set(dropped)]
    if not keep:
        raise SynthError(
            f"--mods {','.join(t.text for t in terms)}: no study of {pooled.outcome} has a "
            f"value for {_and([t.text for t in terms])}; add the tag to the records or "
            "choose another moderator"
        )
    if dropped:
        warnings.append(
            "left out of the meta-regression (no value for a moderator): "
            + ", ".join(f"{labels[i]} ({', '.join(missing[i])})" for i in dropped)
        )
    _check_values(terms, columns, continuous, keep, pooled.outcome)

    factors = {t.name for t in terms if not continuous[t.name]}
    kept_columns = {t.name: [columns[t.name][i] for i in keep] for t in terms}
    try:
        X, names, _ = design_matrix(
            columns=kept_columns, factors=factors, n_rows=len(keep), check_rank=False
        )
    except ValueError as exc:  # pragma: no cover - the checks above come first
        raise SynthError(f"--mods: {exc}") from None
    k, p = X.shape
    term_of = _term_columns(names, terms, continuous)
    if k <= p:
        shown = ", ".join(names[:8]) + (f", ... ({p - 8} more)" if p > 8 else "")
        what = "the intercept-only model" if p == 1 else f"the model has {p} coefficients ({shown})"
        raise SynthError(
            f"--mods {','.join(t.text for t in terms) or '(none)'}: {what} but only {k} "
            f"{'study' if k == 1 else 'studies'} of {pooled.outcome} "
            f"{'has' if k == 1 else 'have'} every moderator; a meta-regression needs more "
            f"studies than coefficients (at least {p + 1}): drop a moderator or add studies"
        )
    _check_rank(X, names, term_of, k)

    y = np.array([rows[i].yi for i in keep], dtype=float)
    v = np.array([rows[i].vi for i in keep], dtype=float)
    try:
        reg = fit_regression(yi=y, vi=v, X=X, names=names, method=method, ci_method=ci, level=level)
    except ValueError as exc:  # pragma: no cover - the checks above come first
        raise SynthError(f"meta-regression: {exc}") from None
    notes = [w for w in reg.warnings if terms or not w.startswith("R2 is not defined")]

    used_seed = None
    if perms is not None:
        count = exact_count(X)
        exact = perms == "exact" or count <= perms
        if perms == "exact" and count > EXACT_LIMIT:
            what = "sign flips" if p == 1 else "distinct arrangements of the moderators"
            raise SynthError(
                f"--permutations exact: the {k} studies have {_how_many(count)} {what}, more "
                f"than synth enumerates ({EXACT_LIMIT:,}); use random permutations instead, "
                f"e.g. --permutations {SUGGESTED_PERMUTATIONS}"
            )
        if not exact:
            used_seed = seed if seed is not None else secrets.randbelow(2**31)
            if seed is None:
                notes.append(
                    f"random permutations without --seed: this run used --seed {used_seed} "
                    "(give it to get the same permutation p values again)"
                )
        perm = permutation_test(
            yi=y,
            vi=v,
            X=X,
            names=names,
            method=method,
            ci_method=ci,
            level=level,
            permutations=perms,
            seed=used_seed,
            chunk=PERMUTATION_CHUNK,
            progress=progress,
        )
        reg = reg.with_permutation(perm)
        notes.extend(perm.warnings)
    if k - p == 1 and method != "FE":
        notes.append(
            f"k = {k} studies for {p} coefficient{'s' if p > 1 else ''}: one residual degree of "
            "freedom, so tau² and every test rest on almost no information"
        )
    if terms and k < STUDIES_PER_MODERATOR * (p - 1):
        notes.append(
            f"{k} studies for {p - 1} moderator coefficient{'s' if p > 2 else ''}: fewer than "
            f"{STUDIES_PER_MODERATOR} studies per moderator (Cochrane Handbook 10.11.5.1); "
            "read the associations as exploratory"
        )

    tau2 = reg.residual_heterogeneity.tau2
    weights = _weights(v, tau2)
    # the rows in synth pool's order (--sort); fitted on the listed order above
    rank = {id(s): j for j, s in enumerate(sort_studies(rows, sort))}
    row_order = sorted(range(len(keep)), key=lambda r: rank[id(rows[keep[r]])])
    studies_out = tuple(
        RegressStudy(
            id=rows[i].id,
            arm=rows[i].arm,
            label=rows[i].label,
            yi=float(y[r]),
            vi=float(v[r]),
            moderators={t.name: shown[i][j] for j, t in enumerate(terms)},
            fitted=reg.fitted[r],
            residual=reg.residuals[r],
            weight=float(weights[r]),
            n=rows[i].n,
            year=rows[i].year,
        )
        for r, i in ((r, keep[r]) for r in row_order)
    )
    used = {rows[i].id for i in keep}
    record_warnings = tuple(
        dict.fromkeys(w for s in rows if s.id in used for e in s.entries for w in e.warnings)
    )
    return RegressResult(
        outcome=pooled.outcome,
        measure=pooled.measure,
        method=reg.method,
        ci_method=ci,
        level=reg.level,
        k=k,
        mods=terms,
        coefficients=reg.coefficients,
        moderator_test=reg.moderator_test,
        residual_heterogeneity=reg.residual_heterogeneity,
        R2=reg.R2,
        permutations=reg.permutations,
        studies=studies_out,
        warnings=tuple(dict.fromkeys([*warnings, *notes])),
        names=tuple(names),
        X=tuple(tuple(float(x) for x in X[r]) for r in row_order),
        term_of=tuple(term_of),
        continuous=tuple(t.name for t in terms if continuous[t.name]),
        df=reg.df,
        dropped=tuple(labels[i] for i in dropped),
        where=tuple(where),
        seed=used_seed,
        record_warnings=record_warnings,
        regression=reg,
        pooled=pooled,
    )
