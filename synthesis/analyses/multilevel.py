"""The three-level model from a pooled result: rows nested in clusters (``--model multilevel``).

:func:`multilevel_of` starts from the :class:`~synthesis.analyses.pool.PoolResult` of the
ordinary fit (its rows, ``yi`` and ``vi``), refits them with metafor's
``rma.mv(yi, vi, random = ~ 1 | cluster/row)`` (:func:`synthesis.models.multilevel.
fit_multilevel`) and returns a PoolResult of the same shape, with the variance components
and ``heterogeneity.tau2`` their sum. Clusters are the studies (the arms of a study, or
its several entries) or the values of a tag (a trial reported in several papers, a centre).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from synthesis.analyses.pool import Heterogeneity, ModelScale, PoolResult, _overall_test, pool
from synthesis.errors import SynthError

__all__ = [
    "CLUSTER_DEFAULT",
    "MULTILEVEL_METHODS",
    "cluster_labels",
    "multilevel_of",
    "pool_multilevel",
]

CLUSTER_DEFAULT = "study"
MULTILEVEL_METHODS = ("REML", "ML")


def cluster_labels(result: PoolResult, *, cluster: str = CLUSTER_DEFAULT) -> list[str]:
    """The cluster of each row: its study id, or the value of tag ``cluster``."""
    if cluster == CLUSTER_DEFAULT:
        return [s.id for s in result.studies]
    missing = [s.id for s in result.studies if cluster not in s.tags]
    if missing:
        known = sorted({t for s in result.studies for t in s.tags})
        raise SynthError(
            f"--cluster {cluster}: no such tag in {', '.join(dict.fromkeys(missing))} "
            f"(tags: {', '.join(known) or 'none'}); give every study the tag, or use "
            "--cluster study"
        )
    return [str(s.tags[cluster]) for s in result.studies]


def multilevel_of(result: PoolResult, *, cluster: str = CLUSTER_DEFAULT) -> PoolResult:
    """*result*'s rows refitted as a three-level model (REML or ML, Wald z or t)."""
    from synthesis.models.multilevel import fit_multilevel

    if result.measure == "MED" or result.method == "GLMM":
        raise SynthError(
            f"--model multilevel needs an inverse-variance model; {result.method} on "
            f"{result.measure} is not one (use --measure PLO with --method REML)"
        )
    method = result.method if result.method in MULTILEVEL_METHODS else None
    if method is None:
        raise SynthError(
            f"--model multilevel fits by REML or ML (rma.mv); --method {result.method} "
            "does not apply: use --method REML or --method ML"
        )
    if result.subgroups is not None:
        raise SynthError("--model multilevel with --by is not supported; pool each subgroup")
    labels = cluster_labels(result, cluster=cluster)
    fit = fit_multilevel(
        yi=result.yi,
        vi=result.vi,
        cluster=labels,
        method=method,
        ci_method=result.ci_method,
        level=result.level,
    )
    studies = tuple(
        replace(s, weight=float(w)) for s, w in zip(result.studies, fit.weights, strict=True)
    )
    components = fit.variance_components  # levels "cluster" and "row" (contract section 6)
    statistic, p_value, _ = _overall_test(result.measure, fit, result.null_value)
    warnings = [w for w in result.warnings if not w.startswith(_ARMS_WARNING)]
    if fit.k == 1:  # not pooled: said once, in pool's words (SINGLE_STUDY)
        warnings.extend(w for w in fit.warnings if not w.startswith("k = 1:"))
    else:
        warnings.extend(fit.warnings)
    common = result.common
    if common is not None and any(w.startswith(_ARMS_WARNING) for w in common.warnings):
        # the common-effect model beside it has no clusters: say that, not "use multilevel"
        shared = sorted(_repeated(result.studies))
        common = replace(
            common,
            warnings=tuple(
                f"the common-effect model has no clusters: the rows of {', '.join(shared)} "
                "enter it as independent rows"
                if w.startswith(_ARMS_WARNING)
                else w
                for w in common.warnings
            ),
        )
    if result.pi_method == "t":
        warnings.append(
            "--pi t is not defined for the multilevel model; the prediction interval is "
            "metafor's predict() for rma.mv (normal quantile, sum of the variance components)"
        )
    back = result.back
    if fit.k == 1:  # not pooled: the study's own estimate and CI, as --model rows shows
        own = studies[0]
        estimate, ci_low, ci_high = own.estimate, own.ci_low, own.ci_high
    else:
        estimate, ci_low, ci_high = back(fit.estimate), back(fit.ci_low), back(fit.ci_high)
    return replace(
        result,
        model="multilevel",
        cluster=cluster,
        common=common,
        variance_components=components,
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        pi_low=back(fit.pi_low),
        pi_high=back(fit.pi_high),
        model_scale=ModelScale(
            estimate=fit.estimate,
            se=fit.se,
            ci_low=fit.ci_low,
            ci_high=fit.ci_high,
            pi_low=fit.pi_low,
            pi_high=fit.pi_high,
        ),
        statistic=statistic,
        df=fit.df if statistic is not None else None,
        p_value=p_value,
        pi_method="normal",
        pi_df=None,
        heterogeneity=Heterogeneity(
            tau2=fit.tau2,
            tau2_ci_low=None,
            tau2_ci_high=None,
            tau=fit.tau,
            I2=fit.I2,
            H2=fit.H2,
            Q=fit.Q,
            Q_df=fit.Q_df,
            Q_p=fit.Q_p,
        ),
        studies=studies,
        warnings=tuple(dict.fromkeys(warnings)),
        converged=fit.converged,
    )


_ARMS_WARNING = "arms of the same study enter as separate rows"


def _repeated(studies: Any) -> set[str]:
    """The ids of the studies with more than one row (arms)."""
    seen: set[str] = set()
    twice: set[str] = set()
    for s in studies:
        (twice if s.id in seen else seen).add(s.id)
    return twice


def pool_multilevel(
    review: Any = None, *, cluster: str = CLUSTER_DEFAULT, **options: Any
) -> PoolResult:
    """``synth pool --model multilevel``: :func:`~synthesis.analyses.pool.pool` with the
    same options, then its rows refitted as rows nested in clusters."""
    if options.get("by") is not None:
        raise SynthError("--model multilevel with --by is not supported; pool each subgroup")
    return multilevel_of(pool(review, **options), cluster=cluster)
