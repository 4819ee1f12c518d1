"""The reference data sets of tests/reference/sensitivity_reference.json as study records.

The numbers are metadat's (metafor 3.8.1): ``dat.bcg`` (Colditz et al. 1994: BCG
vaccine, tuberculosis cases per arm), ``dat.pritz1997`` (Pritz 1997: proportions of
good outcome) and ``dat.hackshaw1998`` (Hackshaw et al. 1997: log odds ratios of lung
cancer and passive smoking, yi/vi as published), printed by

    Rscript -e 'library(metafor); d <- dat.bcg; cat(sprintf(...))'

:func:`write_records` writes them as YAML study records (one file per study, named so
that the listed order is the data set's order) for the CLI tests; the records give
what ``escalc`` used: counts per arm with roles for RR, events/total for PLO, and a
generic estimate with its SE for the log odds ratios. ``k3``/``k2`` are the first rows
of dat.bcg with years chosen so that ``--order year`` is the reference case's order.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml

# (trial, author, year, tpos, tneg, cpos, cneg)
BCG = [
    (1, "Aronson", 1948, 4, 119, 11, 128),
    (2, "Ferguson & Simes", 1949, 6, 300, 29, 274),
    (3, "Rosenthal et al", 1960, 3, 228, 11, 209),
    (4, "Hart & Sutherland", 1977, 62, 13536, 248, 12619),
    (5, "Frimodt-Moller et al", 1973, 33, 5036, 47, 5761),
    (6, "Stein & Aronson", 1953, 180, 1361, 372, 1079),
    (7, "Vandiviere et al", 1973, 8, 2537, 10, 619),
    (8, "TPT Madras", 1980, 505, 87886, 499, 87892),
    (9, "Coetzee & Berjak", 1968, 29, 7470, 45, 7232),
    (10, "Rosenthal et al", 1961, 17, 1699, 65, 1600),
    (11, "Comstock et al", 1974, 186, 50448, 141, 27197),
    (12, "Comstock & Webster", 1969, 5, 2493, 3, 2338),
    (13, "Comstock et al", 1976, 27, 16886, 29, 17825),
]

# (study, authors, xi, ni)
PRITZ = [
    (1, "Giannotta et al.", 16, 17),
    (2, "Haraguchi and Ebina", 10, 12),
    (3, "Swift and Solomon", 4, 8),
    (4, "Kassell et al.", 43, 58),
    (5, "Tanabe et al.", 10, 10),
    (6, "Awad et al.", 25, 42),
    (7, "Finn et al.", 13, 14),
    (8, "Hadeishi et al.", 12, 12),
    (9, "Otsubo et al.", 22, 41),
    (10, "Muizelaar and Becker", 4, 5),
    (11, "Rosenstein et al.", 5, 6),
    (12, "Levy et al.", 18, 23),
    (13, "Shimoda et al.", 58, 68),
    (14, "Solomon et al.", 6, 10),
]

# (study, author, year, yi, vi)
HACKSHAW = [
    (1, "Garfinkel", 1981, 0.16551443847757333, 0.018776885485068111),
    (2, "Hirayama", 1984, 0.37156355643248301, 0.03304403890578804),
    (3, "Butler", 1988, 0.70309751141311339, 0.54019586534244934),
    (4, "Cardenas", 1997, 0.18232155679395459, 0.031267614488666259),
    (5, "Chan", 1982, -0.2876820724517809, 0.079655654102011059),
    (6, "Correa", 1983, 0.72754860727727766, 0.22732059167048174),
    (7, "Trichopolous", 1983, 0.75612197972133366, 0.088921562706980317),
    (8, "Buffler", 1984, -0.22314355131420971, 0.19267960311708135),
    (9, "Kabat", 1984, -0.23572233352106983, 0.33901634753858917),
    (10, "Lam", 1985, 0.69813472207098426, 0.098066202438763614),
    (11, "Garfinkel", 1985, 0.20701416938432612, 0.045555548577534688),
    (12, "Wu", 1985, 0.18232155679395459, 0.23174996964146399),
    (13, "Akiba", 1986, 0.41871033485818504, 0.079642922019245332),
    (14, "Lee", 1986, 0.029558802241544429, 0.21739502467256727),
    (15, "Koo", 1987, 0.43825493093115531, 0.076957974038688148),
    (16, "Pershagen", 1987, 0.029558802241544429, 0.071501763525773143),
    (17, "Humble", 1987, 0.85015092936961001, 0.29256577206568934),
    (18, "Lam", 1987, 0.50077528791248915, 0.032437507429871205),
    (19, "Gao", 1987, 0.17395330712343798, 0.036273346641853617),
    (20, "Brownson", 1987, 0.41871033485818504, 0.48385124182246708),
    (21, "Geng", 1988, 0.77010822169607374, 0.12381620192184237),
    (22, "Shimizu", 1988, 0.076961041136128394, 0.071085191722118954),
    (23, "Inoue", 1988, 0.93609335917033476, 0.39819543335418506),
    (24, "Kalandidi", 1990, 0.48242614924429278, 0.089623124068944029),
    (25, "Sobue", 1990, 0.058268908123975824, 0.033719888332550567),
    (26, "Wu-Williams", 1990, -0.23572233352106983, 0.01612949091739016),
    (27, "Liu", 1991, -0.30110509278392161, 0.18023347343561197),
    (28, "Jockel", 1991, 0.81977983149331135, 0.31714772286439902),
    (29, "Brownson", 1992, -0.030459207484708574, 0.012546845149027305),
    (30, "Stockwell", 1992, 0.47000362924573563, 0.11369629235096744),
    (31, "Du", 1993, 0.17395330712343798, 0.089336780416566675),
    (32, "Liu", 1993, 0.50681760236845186, 0.17598559479183229),
    (33, "Fontham", 1994, 0.23111172096338664, 0.010029047431528208),
    (34, "Kabat", 1995, 0.095310179804324935, 0.086214355886586311),
    (35, "Zaridze", 1995, 0.50681760236845186, 0.039874967543697924),
    (36, "Sun", 1996, 0.14842000511827322, 0.036399755569629523),
    (37, "Wang", 1996, 0.10436001532424286, 0.066419506621977722),
]

# data set of the reference JSON -> (outcome, measure, --order that gives the case's order)
DATASETS = {
    "bcg-RR": ("TB", "RR", "year"),
    "pritz1997-PLO": ("GOOD", "PLO", "precision"),
    "hackshaw1998-OR": ("LC", "GEN", "year"),
    "k3-RR": ("TB", "RR", "year"),
    "k2-RR": ("TB", "RR", "year"),
}


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def _bcg_record(row: tuple, year: int) -> dict:
    trial, author, _, tpos, tneg, cpos, cneg = row
    return {
        "id": f"bcg{trial:02d}-{_slug(author)}",
        "citation": f"{author} (dat.bcg trial {trial})",
        "year": year,
        "arms": [
            {"id": "bcg", "n": tpos + tneg, "role": "experimental"},
            {"id": "ctl", "n": cpos + cneg, "role": "control"},
        ],
        "outcomes": [
            {"name": "TB", "arm": "bcg", "events": tpos, "total": tpos + tneg},
            {"name": "TB", "arm": "ctl", "events": cpos, "total": cpos + cneg},
        ],
    }


def records(dataset: str) -> list[dict]:
    """The study records of ``dataset`` (a key of :data:`DATASETS`), in listed order."""
    if dataset == "bcg-RR":
        return [_bcg_record(r, r[2]) for r in BCG]
    if dataset == "k3-RR":  # cumul(order = c(3, 1, 2))
        return [_bcg_record(r, y) for r, y in zip(BCG[:3], (2003, 2001, 2002), strict=True)]
    if dataset == "k2-RR":  # cumul(order = c(2, 1))
        return [_bcg_record(r, y) for r, y in zip(BCG[:2], (2002, 2001), strict=True)]
    if dataset == "pritz1997-PLO":
        return [
            {
                "id": f"pritz{s:02d}-{_slug(a)}",
                "citation": f"{a} (dat.pritz1997 study {s})",
                "year": 1997,
                "outcomes": [{"name": "GOOD", "events": x, "total": n}],
            }
            for s, a, x, n in PRITZ
        ]
    if dataset == "hackshaw1998-OR":
        return [
            {
                "id": f"hack{s:02d}-{_slug(a)}",
                "citation": f"{a} {y} (dat.hackshaw1998 study {s})",
                "year": y,
                "outcomes": [{"name": "LC", "estimate": yi, "se": math.sqrt(vi), "scale": "logOR"}],
            }
            for s, a, y, yi, vi in HACKSHAW
        ]
    raise KeyError(dataset)


def write_records(folder: Path, recs: list[dict]) -> list[str]:
    """One YAML file per record, ``NN-<id>.yaml`` so that the listed order is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, rec in enumerate(recs):
        text = yaml.safe_dump(rec, sort_keys=False, allow_unicode=True)
        (folder / f"{i:02d}-{rec['id']}.yaml").write_text(text, encoding="utf-8")
    return [r["id"] for r in recs]
