"""Risk-of-bias records: the tools' domains and scales, every bad record's exact message,
the NOS -> AHRQ conversion, the mapping onto GRADE's scale, and the robvis-style plots.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthesis.plots.rob import (
    PALETTES,
    figure_bytes,
    rob_figure,
    summary_figure,
    traffic_light_figure,
)
from synthesis.records.rob import (
    GRADE_ROB_SCALE,
    TOOLS,
    check_risk_of_bias,
    nos_domain_rating,
    nos_overall,
    to_grade_level,
    tool_named,
)

# A stub of the loader's line map: known fields have their own line, the rest the
# line of their parent (as the record loader does for a missing key).
LINES = {
    "risk_of_bias": 10,
    "risk_of_bias.tool": 11,
    "risk_of_bias.overall": 12,
    "risk_of_bias.domains": 13,
    "risk_of_bias.domains.D1": 14,
    "risk_of_bias.domains.D2": 15,
    "risk_of_bias.domains.D3": 16,
    "risk_of_bias.note": 20,
}


def line_of(path: str) -> int:
    while path not in LINES and "." in path:
        path = path.rsplit(".", 1)[0]
    return LINES.get(path, 10)


def check(value):
    return check_risk_of_bias(value=value, line_of=line_of, path="studies/x.yaml")


def triples(problems):
    return [(p.line, p.field, p.message, p.severity) for p in problems]


ROB2_FULL = {"D1": "low", "D2": "some concerns", "D3": "low", "D4": "low", "D5": "high"}


# ---------------------------------------------------------------------------
# Good records


def test_rob2_record_in_tool_order_with_overall():
    rob, problems = check(
        {"tool": "ROB2", "overall": "high", "domains": dict(reversed(ROB2_FULL.items()))}
    )
    assert problems == []
    assert rob.tool == "ROB2"
    assert [d.key for d in rob.domains] == ["D1", "D2", "D3", "D4", "D5"]
    assert [d.level for d in rob.domains] == ["low", "some concerns", "low", "low", "high"]
    assert rob.overall.level == "high" and not rob.overall_derived
    assert rob.grade_level == "high"
    assert rob.domain("D1").label == "Bias arising from the randomization process"


def test_levels_and_tool_names_match_case_insensitively():
    rob, problems = check(
        {
            "tool": "RoB 2",
            "overall": "Some Concerns",
            "domains": {"d1": "LOW", "D2": "Some concerns", "D3": "low", "D4": "low", "D5": "low"},
        }
    )
    assert problems == []
    assert rob.tool == "ROB2"
    assert rob.overall.level == "some concerns"
    assert rob.domain("D1").level == "low"


@pytest.mark.parametrize(
    ("name", "tool"),
    [
        ("ROBINS-I", "ROBINS-I"),
        ("robins i", "ROBINS-I"),
        ("QUADAS 2", "QUADAS-2"),
        ("nos", "NOS"),
        ("Newcastle-Ottawa", "NOS"),
        ("Other", "other"),
        ("Jadad", None),
    ],
)
def test_tool_names(name, tool):
    found = tool_named(name)
    assert (found.name if found else None) == tool


def test_overall_is_derived_from_the_worst_domain_when_absent():
    rob, problems = check({"tool": "ROB2", "domains": ROB2_FULL})
    assert problems == []
    assert rob.overall_derived
    assert rob.overall.level == "high"


@pytest.mark.parametrize(
    ("domains", "overall"),
    [
        ({"D1": "moderate", "D2": "no information"}, "no information"),
        ({"D1": "serious", "D2": "no information"}, "serious"),
        ({"D1": "low", "D2": "critical", "D3": "serious"}, "critical"),
        ({"D1": "no information"}, "no information"),
    ],
)
def test_robins_i_derived_overall(domains, overall):
    full = {f"D{i}": "low" for i in range(1, 8)} | domains
    rob, problems = check({"tool": "ROBINS-I", "domains": full})
    assert [p for p in problems if p.severity == "error"] == []
    assert rob.overall.level == overall


def test_quadas2_with_applicability():
    rob, problems = check(
        {
            "tool": "QUADAS-2",
            "domains": {"D1": "low", "D2": "unclear", "D3": "low", "D4": "low"},
            "applicability": {"D1": "high", "D2": "low", "D3": "low"},
        }
    )
    assert problems == []
    assert rob.overall.level == "unclear"
    assert rob.grade_level == "some concerns"
    assert [(a.key, a.level) for a in rob.applicability] == [
        ("D1", "high"),
        ("D2", "low"),
        ("D3", "low"),
    ]


def test_nos_stars_as_numbers_or_asterisks():
    rob, problems = check(
        {"tool": "NOS", "domains": {"selection": "***", "comparability": "★", "outcome": 2}}
    )
    assert problems == []
    assert [(d.key, d.stars, d.level) for d in rob.domains] == [
        ("selection", 3, "good"),
        ("comparability", 1, "good"),
        ("outcome", 2, "good"),
    ]
    assert rob.overall.level == "good" and rob.overall_derived
    assert rob.grade_level == "low"


def test_nos_case_control_uses_exposure():
    rob, problems = check(
        {"tool": "NOS", "domains": {"selection": 2, "comparability": 2, "exposure": 3}}
    )
    assert problems == []
    assert rob.overall.level == "fair"


def test_other_tool_takes_free_domains_and_notes():
    rob, problems = check(
        {
            "tool": "other",
            "domains": {
                "Case definition": {"judgement": "Low", "note": "WHO criteria"},
                "Consecutive inclusion": "unclear",
            },
            "note": "JBI checklist for case series",
        }
    )
    assert problems == []
    assert [(d.key, d.level, d.note) for d in rob.domains] == [
        ("Case definition", "low", "WHO criteria"),
        ("Consecutive inclusion", "unclear", None),
    ]
    assert rob.overall.level == "unclear"
    assert rob.grade_level == "some concerns"
    assert rob.note == "JBI checklist for case series"


def test_to_dict_and_frame():
    rob, _ = check({"tool": "ROB2", "overall": "high", "domains": ROB2_FULL, "note": "n"})
    d = rob.to_dict()
    assert d["tool"] == "ROB2" and d["overall"] == "high" and d["grade_level"] == "high"
    assert d["domains"]["D2"]["level"] == "some concerns"
    frame = rob.to_frame()
    assert list(frame["key"]) == ["D1", "D2", "D3", "D4", "D5", "overall"]


# ---------------------------------------------------------------------------
# NOS -> AHRQ standards (good / fair / poor)


@pytest.mark.parametrize(
    ("selection", "comparability", "outcome", "rating"),
    [
        (4, 2, 3, "good"),
        (3, 1, 2, "good"),  # the lowest good
        (2, 1, 2, "fair"),  # selection 2 -> fair
        (2, 2, 3, "fair"),
        (1, 2, 3, "poor"),  # selection 0-1 -> poor
        (0, 2, 3, "poor"),
        (4, 0, 3, "poor"),  # comparability 0 -> poor
        (4, 2, 1, "poor"),  # outcome 0-1 -> poor
        (2, 0, 1, "poor"),
    ],
)
def test_nos_ahrq_conversion(selection, comparability, outcome, rating):
    assert (
        nos_overall({"selection": selection, "comparability": comparability, "outcome": outcome})
        == rating
    )


def test_nos_domain_ratings():
    assert [nos_domain_rating("selection", s) for s in range(5)] == [
        "poor",
        "poor",
        "fair",
        "good",
        "good",
    ]
    assert [nos_domain_rating("comparability", s) for s in range(3)] == ["poor", "good", "good"]
    assert [nos_domain_rating("outcome", s) for s in range(4)] == ["poor", "poor", "good", "good"]
    assert nos_overall({"selection": 3, "comparability": 1}) is None


# ---------------------------------------------------------------------------
# Every tool's levels on GRADE's scale


@pytest.mark.parametrize(
    ("tool", "level", "grade"),
    [
        ("ROB2", "low", "low"),
        ("ROB2", "some concerns", "some concerns"),
        ("ROB2", "high", "high"),
        ("ROBINS-I", "low", "low"),
        ("ROBINS-I", "moderate", "some concerns"),
        ("ROBINS-I", "serious", "high"),
        ("ROBINS-I", "critical", "critical"),
        ("ROBINS-I", "no information", None),
        ("QUADAS-2", "low", "low"),
        ("QUADAS-2", "unclear", "some concerns"),
        ("QUADAS-2", "high", "high"),
        ("NOS", "good", "low"),
        ("NOS", "fair", "some concerns"),
        ("NOS", "poor", "high"),
        ("other", "moderate", "some concerns"),
        ("other", "serious", "high"),
        ("other", "Critical", "critical"),
    ],
)
def test_mapping_onto_grade(tool, level, grade):
    assert to_grade_level(tool, level) == grade


def test_every_level_of_every_tool_is_mapped():
    for tool in TOOLS.values():
        for level in (*tool.levels, *tool.overall_levels):
            assert tool.to_grade[level] in (*GRADE_ROB_SCALE, None)


def test_mapping_rejects_unknown():
    with pytest.raises(ValueError, match="unknown ROB2 level 'serious'"):
        to_grade_level("ROB2", "serious")
    with pytest.raises(ValueError, match="unknown risk-of-bias tool 'Jadad'"):
        to_grade_level("Jadad", "low")


# ---------------------------------------------------------------------------
# Every bad record, with its exact message


BAD = [
    (
        "low",
        [
            (
                10,
                "risk_of_bias",
                "expected a mapping with tool, overall, domains and note, got text 'low'",
                "error",
            )
        ],
    ),
    (
        {"overall": "low"},
        [
            (
                11,
                "risk_of_bias.tool",
                "required field is missing; use one of ROB2, ROBINS-I, QUADAS-2, NOS, Murad, other",
                "error",
            )
        ],
    ),
    (
        {"tool": 2, "overall": "low"},
        [
            (
                11,
                "risk_of_bias.tool",
                "must be one of ROB2, ROBINS-I, QUADAS-2, NOS, Murad, other, got 2",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB3", "overall": "low"},
        [
            (
                11,
                "risk_of_bias.tool",
                "unknown tool 'ROB3'; did you mean 'ROB2'? "
                "(tools: ROB2, ROBINS-I, QUADAS-2, NOS, Murad, other)",
                "error",
            )
        ],
    ),
    (
        {"tool": "Jadad", "overall": "low"},
        [
            (
                11,
                "risk_of_bias.tool",
                "unknown tool 'Jadad' (tools: ROB2, ROBINS-I, QUADAS-2, NOS, Murad, other)",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "overall": "low", "domain": {"D1": "low"}},
        [(10, "risk_of_bias.domain", "unknown field; did you mean 'domains'?", "error")],
    ),
    (
        {"tool": "ROB2", "overall": "hgh"},
        [
            (
                12,
                "risk_of_bias.overall",
                "unknown level 'hgh'; did you mean 'high'? "
                "(ROB2's levels are low, some concerns, high)",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "overall": "moderate"},
        [
            (
                12,
                "risk_of_bias.overall",
                "unknown level 'moderate' (ROB2's levels are low, some concerns, high)",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROBINS-I", "overall": "seriuos"},
        [
            (
                12,
                "risk_of_bias.overall",
                "unknown level 'seriuos'; did you mean 'serious'? (ROBINS-I's levels are "
                "low, moderate, serious, critical, no information)",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "domains": ROB2_FULL | {"D3": "some concern"}},
        [
            (
                16,
                "risk_of_bias.domains.D3",
                "unknown level 'some concern'; did you mean 'some concerns'? "
                "(ROB2's levels are low, some concerns, high)",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "domains": ROB2_FULL | {"D2": 3}},
        [
            (
                15,
                "risk_of_bias.domains.D2",
                "expected one of low, some concerns, high, got 3",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "domains": ROB2_FULL | {"D6": "low"}},
        [
            (
                13,
                "risk_of_bias.domains.D6",
                "unknown domain 'D6' for ROB2 (ROB2's domains are D1, D2, D3, D4, D5)",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "domains": ROB2_FULL | {"d1": "high"}},
        [
            (
                13,
                "risk_of_bias.domains.d1",
                "D1 is given twice (as 'D1' and 'd1')",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "domains": ["low", "low"]},
        [
            (
                13,
                "risk_of_bias.domains",
                "expected a mapping of domain to judgement such as "
                "{D1: low, D2: some concerns}, got a list",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2"},
        [
            (
                10,
                "risk_of_bias",
                "give an overall judgement, the domain judgements, or both (ROB2: D1-D5)",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "overall": "low", "applicability": {"D1": "low"}},
        [
            (
                10,
                "risk_of_bias.applicability",
                "applicability concerns are part of QUADAS-2 only, not ROB2",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "overall": "low", "note": 5},
        [(20, "risk_of_bias.note", "must be text, got 5", "error")],
    ),
    (
        {"tool": "ROB2", "domains": ROB2_FULL | {"D1": {"note": "x"}}},
        [
            (
                14,
                "risk_of_bias.domains.D1.judgement",
                "required field is missing (the level, e.g. low)",
                "error",
            )
        ],
    ),
    (
        {"tool": "ROB2", "domains": ROB2_FULL | {"D1": {"judgement": "low", "notes": "x"}}},
        [(14, "risk_of_bias.domains.D1.notes", "unknown field; did you mean 'note'?", "error")],
    ),
    (
        {"tool": "ROB2", "domains": ROB2_FULL | {"D1": {"judgement": "low", "note": 1}}},
        [(14, "risk_of_bias.domains.D1.note", "must be text, got 1", "error")],
    ),
    (
        {"tool": "ROB2", "overall": {"judgement": "lo"}},
        [
            (
                12,
                "risk_of_bias.overall.judgement",
                "unknown level 'lo'; did you mean 'low'? "
                "(ROB2's levels are low, some concerns, high)",
                "error",
            )
        ],
    ),
    (
        {"tool": "NOS", "domains": {"selection": 5, "comparability": 1, "outcome": 2}},
        [(13, "risk_of_bias.domains.selection", "selection takes 0-4 stars, got 5", "error")],
    ),
    (
        {"tool": "NOS", "domains": {"selection": "many", "comparability": 1, "outcome": 2}},
        [
            (
                13,
                "risk_of_bias.domains.selection",
                "expected a number of stars 0-4 (or a string of *), got text 'many'",
                "error",
            )
        ],
    ),
    (
        {
            "tool": "NOS",
            "domains": {"selection": 3, "comparability": 1, "outcome": 2, "exposure": 2},
        },
        [
            (
                13,
                "risk_of_bias.domains.exposure",
                "give outcome (cohort studies) or exposure (case-control studies), not both",
                "error",
            )
        ],
    ),
    (
        {"tool": "NOS", "domains": {"selection": 3, "comparability": 1}},
        [
            (
                13,
                "risk_of_bias.domains.outcome",
                "no judgement for outcome (Outcome); it is shown as 'no information'",
                "warning",
            ),
            (
                12,
                "risk_of_bias.overall",
                "cannot be derived: NOS needs selection, comparability and outcome (or "
                "exposure) stars, or an overall good / fair / poor",
                "error",
            ),
        ],
    ),
    (
        {"tool": "NOS", "domains": {"selection": 3, "comparabilty": 1, "outcome": 2}},
        [
            (
                13,
                "risk_of_bias.domains.comparabilty",
                "unknown domain 'comparabilty' for NOS; did you mean 'comparability'? "
                "(NOS's domains are selection, comparability, outcome, exposure)",
                "error",
            ),
            # no "no judgement for comparability" warning: the error already names it
        ],
    ),
    (
        {"tool": "other", "domains": {}},
        [
            (
                12,
                "risk_of_bias.overall",
                "cannot be derived: no domain is judged; give other's overall judgement "
                "(low, some concerns, moderate, unclear, high, serious, critical, "
                "no information)",
                "error",
            )
        ],
    ),
    (
        {"tool": "QUADAS-2", "overall": "low", "applicability": {"D4": "low"}},
        [
            (
                10,
                "risk_of_bias.applicability.D4",
                "unknown applicability domain 'D4' for QUADAS-2 "
                "(QUADAS-2's applicability domains are D1, D2, D3)",
                "error",
            )
        ]
        + [
            (
                10,
                f"risk_of_bias.applicability.D{i}",
                f"no judgement for D{i} ({label}); it is shown as 'no information'",
                "warning",
            )
            for i, label in (
                (1, "Applicability: patient selection"),
                (2, "Applicability: index test(s)"),
                (3, "Applicability: reference standard"),
            )
        ],
    ),
]


@pytest.mark.parametrize(("value", "expected"), BAD)
def test_bad_record_exact_messages(value, expected):
    rob, problems = check(value)
    assert triples(problems) == expected
    assert rob is None
    assert all(p.file == "studies/x.yaml" for p in problems)


def test_every_problem_is_collected_in_one_pass():
    rob, problems = check(
        {
            "tool": "ROB2",
            "overall": "hihg",
            "domains": {"D1": "lwo", "D2": "some concerns", "D7": "low", "D3": 1},
            "colour": "red",
        }
    )
    assert rob is None
    fields = [p.field for p in problems]
    assert fields == [
        "risk_of_bias.colour",
        "risk_of_bias.domains.D1",
        "risk_of_bias.domains.D7",
        "risk_of_bias.domains.D3",
        "risk_of_bias.domains.D4",
        "risk_of_bias.domains.D5",
        "risk_of_bias.overall",
    ]
    assert "did you mean 'low'?" in problems[1].message
    assert "did you mean 'high'?" in problems[-1].message


# ---------------------------------------------------------------------------
# Warnings: the record is kept


WARN = [
    (
        {"tool": "ROB2", "overall": "low", "domains": ROB2_FULL},
        (
            12,
            "risk_of_bias.overall",
            "overall 'low' is better than the worst domain (D5: high); ROB2 rates the overall "
            "at least as severe as the worst domain",
            "warning",
        ),
    ),
    (
        {
            "tool": "ROBINS-I",
            "overall": "moderate",
            "domains": {f"D{i}": "low" for i in range(1, 8)} | {"D1": "critical"},
        },
        (
            12,
            "risk_of_bias.overall",
            "overall 'moderate' is better than the worst domain (D1: critical); ROBINS-I rates "
            "the overall at least as severe as the worst domain",
            "warning",
        ),
    ),
    (
        {
            "tool": "ROBINS-I",
            "overall": "no information",
            "domains": {f"D{i}": "low" for i in range(1, 8)} | {"D2": "serious"},
        },
        (
            12,
            "risk_of_bias.overall",
            "overall 'no information' although D2 is 'serious'; ROBINS-I rates the overall "
            "at least as severe as the worst domain",
            "warning",
        ),
    ),
    (
        {
            "tool": "NOS",
            "overall": "good",
            "domains": {"selection": 2, "comparability": 1, "outcome": 3},
        },
        (
            12,
            "risk_of_bias.overall",
            "overall 'good' is better than the AHRQ conversion of the stars (selection 2, "
            "comparability 1, outcome 3), which gives 'fair'",
            "warning",
        ),
    ),
    (
        {"tool": "ROB2", "domains": {"D1": "low", "D2": "low", "D3": "low", "D5": "low"}},
        (
            13,
            "risk_of_bias.domains.D4",
            "no judgement for D4 (Bias in measurement of the outcome); it is shown as "
            "'no information'",
            "warning",
        ),
    ),
]


@pytest.mark.parametrize(("value", "expected"), WARN)
def test_warnings_keep_the_record(value, expected):
    rob, problems = check(value)
    assert triples(problems) == [expected]
    assert rob is not None
    assert rob.warnings == (expected[2],)


def test_overall_worse_than_domains_is_not_warned():
    rob, problems = check({"tool": "ROB2", "overall": "high", "domains": ROB2_FULL | {"D5": "low"}})
    assert problems == [] and rob.overall.level == "high"


ROB2_LEVELS = ("low", "some concerns", "high")


@settings(max_examples=150, deadline=None)
@given(
    domains=st.lists(st.sampled_from(ROB2_LEVELS), min_size=5, max_size=5),
    overall=st.sampled_from(ROB2_LEVELS),
)
def test_property_overall_warning_iff_better_than_worst(domains, overall):
    value = {
        "tool": "ROB2",
        "overall": overall,
        "domains": {f"D{i + 1}": lv for i, lv in enumerate(domains)},
    }
    rob, problems = check(value)
    worst = max(ROB2_LEVELS.index(lv) for lv in domains)
    assert rob is not None
    assert bool(problems) == (ROB2_LEVELS.index(overall) < worst)
    derived, _ = check({"tool": "ROB2", "domains": value["domains"]})
    assert derived.overall.level == ROB2_LEVELS[worst]


# ---------------------------------------------------------------------------
# Plots (robvis): the figures build, with the palette's colours in the cells


def _studies():
    out = []
    levels = ["low", "some concerns", "high"]
    for i in range(3):
        rob, _ = check(
            {"tool": "ROB2", "domains": {f"D{j + 1}": levels[(i + j) % 3] for j in range(5)}}
        )
        out.append((f"Trial {i + 1}", rob))
    rob, _ = check({"tool": "NOS", "domains": {"selection": 2, "comparability": 0, "outcome": 3}})
    out.append(("Cohort 1", rob))
    return out


def _circle_colours(fig):
    from matplotlib.colors import to_hex
    from matplotlib.patches import Circle

    ax = fig.axes[0]
    return [to_hex(p.get_facecolor()) for p in ax.patches if isinstance(p, Circle)]


@pytest.mark.parametrize("palette", ["cochrane", "colourblind"])
def test_traffic_light_colours_follow_the_palette(palette):
    fig = traffic_light_figure(studies=_studies(), palette=palette)
    colours = _circle_colours(fig)
    pal = {k: v.lower() for k, v in PALETTES[palette].items()}
    # Trial 1: D1..D5 = low, some concerns, high, low, some concerns; overall high.
    first = [pal["low"], pal["some concerns"], pal["high"], pal["low"], pal["some concerns"]]
    assert colours[:6] == [*first, pal["high"]]
    # 3 ROB2 rows x 6 cells + legend 3, NOS 1 row x 4 cells + legend 3
    assert len(colours) == 3 * 6 + 3 + 4 + 3
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Cochrane risk-of-bias tool for randomized trials (RoB 2)" in texts
    assert "D1: Bias arising from the randomization process" in texts
    assert "Trial 3" in texts and "Cohort 1" in texts
    assert [t for t in texts if t in ("2", "0", "3")][:3] == ["2", "0", "3"]  # NOS stars


def test_summary_bars_are_weighted():
    from matplotlib.patches import Rectangle

    studies = _studies()[:3]
    fig = summary_figure(studies=studies, weights=[50, 30, 20])
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0.2]
    # D1: Trial 1 low (50), Trial 2 some concerns (30), Trial 3 high (20) of a 4.2 in bar
    widths = [round(b.get_width() / 4.2, 6) for b in bars[:3]]
    assert widths == [0.5, 0.3, 0.2]
    texts = [t.get_text() for t in ax.texts]
    assert any("share of the pooled weight" in t for t in texts)
    assert "Overall risk of bias" in texts


def test_figures_save_as_png_svg_pdf_and_svg_is_deterministic():
    fig = rob_figure(studies=_studies(), weights=[1, 2, 3, 4], palette="colorblind")
    png = figure_bytes(fig, fmt="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure_bytes(fig, fmt="pdf")[:5] == b"%PDF-"
    svg1 = figure_bytes(fig, fmt="svg")
    svg2 = figure_bytes(
        rob_figure(studies=_studies(), weights=[1, 2, 3, 4], palette="colorblind"), fmt="svg"
    )
    assert svg1 == svg2


def test_plot_errors():
    with pytest.raises(ValueError, match="unknown palette 'rainbow'"):
        traffic_light_figure(studies=_studies(), palette="rainbow")
    with pytest.raises(ValueError, match="no risk-of-bias records to plot"):
        summary_figure(studies=[])
    with pytest.raises(ValueError, match="2 weights for 4 studies"):
        summary_figure(studies=_studies(), weights=[1, 2])
    with pytest.raises(ValueError, match="unknown plot format 'gif'"):
        figure_bytes(traffic_light_figure(studies=_studies()), fmt="gif")
