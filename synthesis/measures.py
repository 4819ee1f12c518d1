"""The one registry of measures and methods: codes, names, scales, labels, valid methods.

Every other module asks here (effect sizes, pooling, the summary table, plots, text),
so a new measure is one :class:`Measure` row, not an edit in four places. Pure data:
importing this module costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BACK_TRANSFORM_MEASURES",
    "CI_METHODS",
    "COMMON_METHODS",
    "CONTINUOUS_MEASURES",
    "MEASURES",
    "MEASURE_CODES",
    "MEASURE_NAMES",
    "MEDIAN_METHODS",
    "METHOD_NAMES",
    "MH_METHODS",
    "NUMBER_STYLES",
    "PROPORTION_MEASURES",
    "RATIO_MEASURES",
    "RE_METHODS",
    "TWO_ARM_MEASURES",
    "Measure",
    "measure",
]

#: tau² estimators of the random-effects model (``FE``: common effect, tau² = 0).
RE_METHODS: tuple[str, ...] = ("REML", "DL", "PM", "ML", "HE", "SJ", "HS", "EB", "FE")
#: Pooled medians: sample-size weighted median of medians, and the plain median of medians.
MEDIAN_METHODS: tuple[str, ...] = ("WM", "MM")
#: Confidence intervals: Wald z, or Hartung-Knapp-Sidik-Jonkman t (metafor ``test="knha"``).
CI_METHODS: tuple[str, ...] = ("wald", "hksj")
#: Common-effect models of 2x2 tables: Mantel-Haenszel (RR, OR, RD) and Peto (OR), with the
#: measures each applies to (metafor ``rma.mh`` and ``rma.peto``).
MH_METHODS: dict[str, tuple[str, ...]] = {"MH": ("RR", "OR", "RD"), "PETO": ("OR",)}
#: The common-effect models ``--also`` can put beside a random-effects fit.
COMMON_METHODS: tuple[str, ...] = ("FE", *MH_METHODS)

METHOD_NAMES: dict[str, str] = {
    "REML": "restricted maximum likelihood",
    "DL": "DerSimonian-Laird",
    "PM": "Paule-Mandel",
    "ML": "maximum likelihood",
    "HE": "Hedges",
    "SJ": "Sidik-Jonkman",
    "HS": "Hunter-Schmidt",
    "EB": "empirical Bayes",
    "FE": "fixed (common) effect",
    "GLMM": "logistic-normal GLMM (ML)",
    "WM": "weighted median of medians",
    "MM": "median of medians",
    "MH": "Mantel-Haenszel",
    "PETO": "Peto",
}


#: How numbers on a reporting scale are printed for people (one rule per measure, used by
#: every output; JSON and CSV keep full precision):
#:
#: ``ratio`` (RR, OR, HR): ``digits`` decimals (2) from 0.1 to 1000; three significant
#: digits below 0.1 (0.0767, 0.00404); below 0.001 "< 0.001" and above 1000 "> 1000"
#: (symmetric on the log scale, never wider than seven characters).
#: ``proportion`` (PLO, PFT, PAS, PR): ``digits`` decimals (3); a value that is not 0
#: (or 1) but would print as 0.000 (1.000) prints as "< 0.001" ("> 0.999").
#: ``months`` (MED): ``digits`` decimals (1); a positive value that would print as 0.0
#: prints as "< 0.1".
#: ``difference`` (RD, GEN): ``digits`` decimals (3), never "-0.000".
#: Every style prints magnitudes of 100,000 and more in scientific notation, three
#: significant digits (1.23e+05), so no number is ever wider than ten characters.
NUMBER_STYLES: tuple[str, ...] = ("ratio", "proportion", "months", "difference")


@dataclass(frozen=True)
class Measure:
    """One effect measure: how it is named, pooled, drawn and tested.

    ``family``: ``proportion`` (one arm), ``two_arm`` (experimental vs control counts),
    ``continuous`` (experimental vs control means), ``ratio`` (reported HR/OR/RR),
    ``generic`` or ``median``. ``log``: pooled on the
    log scale and drawn on a log axis. ``null``: the value of no effect on the
    reporting scale (None for single-arm measures: there is nothing to test against).
    ``style`` and ``digits``: how an estimate or CI bound on the reporting scale is
    printed in every human-readable output (text, Markdown, HTML, the report, the
    forest plot, the summary of findings), by
    :func:`synthesis.render.text.number`; see :data:`NUMBER_STYLES`.
    """

    code: str
    name: str  # how it is computed ("logit proportion")
    short: str  # what a reader calls it ("proportion")
    family: str
    log: bool
    null: float | None
    axis_label: str
    estimate_name: str
    data_header: str
    scale_note: str | None
    methods: tuple[str, ...]
    ci_methods: tuple[str, ...] = CI_METHODS
    digits: int = 3
    back_transform: bool = True  # effects.back_transform knows it (else: no transform)
    style: str = "difference"

    @property
    def default_method(self) -> str:
        return self.methods[0]


_PROPORTION = dict(
    short="proportion",
    family="proportion",
    log=False,
    null=None,
    axis_label="Proportion",
    estimate_name="Proportion",
    data_header="Events/Total",
    style="proportion",
)
_TWO_ARM_HEADER = "Events/Total (exp. vs ctrl)"
_CONTINUOUS_HEADER = "Mean (SD), n (exp. vs ctrl)"

MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure(
            "PLO",
            "logit proportion",
            **_PROPORTION,
            scale_note="proportions pooled on the logit scale",
            methods=(*RE_METHODS, "GLMM"),
        ),
        Measure(
            "PFT",
            "Freeman-Tukey double arcsine proportion",
            **_PROPORTION,
            scale_note="proportions pooled on the Freeman-Tukey double arcsine scale",
            methods=RE_METHODS,
        ),
        Measure(
            "PAS",
            "arcsine proportion",
            **_PROPORTION,
            scale_note="proportions pooled on the arcsine scale",
            methods=RE_METHODS,
        ),
        Measure(
            "PR",
            "raw proportion",
            **_PROPORTION,
            scale_note="raw proportions pooled",
            methods=RE_METHODS,
        ),
        Measure(
            "RR",
            "risk ratio",
            "risk ratio",
            "two_arm",
            True,
            1.0,
            "Risk ratio (log scale)",
            "RR",
            _TWO_ARM_HEADER,
            "pooled on the log scale",
            (*RE_METHODS, "MH"),
            digits=2,
            style="ratio",
        ),
        Measure(
            "OR",
            "odds ratio",
            "odds ratio",
            "two_arm",
            True,
            1.0,
            "Odds ratio (log scale)",
            "OR",
            _TWO_ARM_HEADER,
            "pooled on the log scale",
            (*RE_METHODS, "MH", "PETO"),
            digits=2,
            style="ratio",
        ),
        Measure(
            "RD",
            "risk difference",
            "risk difference",
            "two_arm",
            False,
            0.0,
            "Risk difference",
            "RD",
            _TWO_ARM_HEADER,
            None,
            (*RE_METHODS, "MH"),
        ),
        Measure(
            "MD",
            "mean difference",
            "mean difference",
            "continuous",
            False,
            0.0,
            "Mean difference",
            "MD",
            _CONTINUOUS_HEADER,
            None,
            RE_METHODS,
            back_transform=False,
        ),
        Measure(
            "SMD",
            "standardized mean difference (Hedges' g)",
            "standardized mean difference",
            "continuous",
            False,
            0.0,
            "Standardized mean difference (Hedges' g)",
            "SMD",
            _CONTINUOUS_HEADER,
            None,
            RE_METHODS,
            back_transform=False,
        ),
        Measure(
            "HR",
            "hazard ratio",
            "hazard ratio",
            "ratio",
            True,
            1.0,
            "Hazard ratio (log scale)",
            "HR",
            "Reported",
            "pooled on the log scale",
            RE_METHODS,
            digits=2,
            style="ratio",
        ),
        Measure(
            "GEN",
            "generic estimate",
            "estimate",
            "generic",
            False,
            0.0,
            "Estimate",
            "Estimate",
            "Reported",
            None,
            RE_METHODS,
        ),
        Measure(
            "MED",
            "median (months)",
            "median",
            "median",
            False,
            None,
            "Median (months)",
            "Median",
            "Reported",
            None,
            MEDIAN_METHODS,
            ci_methods=("wald",),
            digits=1,
            back_transform=False,
            style="months",
        ),
    )
}

MEASURE_CODES: tuple[str, ...] = tuple(MEASURES)
MEASURE_NAMES: dict[str, str] = {c: m.name for c, m in MEASURES.items()}
PROPORTION_MEASURES: tuple[str, ...] = tuple(
    c for c, m in MEASURES.items() if m.family == "proportion"
)
TWO_ARM_MEASURES: tuple[str, ...] = tuple(c for c, m in MEASURES.items() if m.family == "two_arm")
CONTINUOUS_MEASURES: tuple[str, ...] = tuple(
    c for c, m in MEASURES.items() if m.family == "continuous"
)
#: Measures that records can give as a reported ratio (hr/or/rr with a CI or p).
RATIO_MEASURES: tuple[str, ...] = ("HR", "OR", "RR")
BACK_TRANSFORM_MEASURES: tuple[str, ...] = tuple(c for c, m in MEASURES.items() if m.back_transform)


def measure(code: str) -> Measure:
    """The registry row of *code* (KeyError for an unknown code)."""
    return MEASURES[code]
