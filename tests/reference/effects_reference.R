# Reference values for synthesis/effects.py (tests/test_effects.py).
#
# Run from the repository root:
#     Rscript tests/reference/effects_reference.R
# Writes tests/reference/effects_reference.json.
#
# Every case stores the exact R expression that produced it (`r_call`), which is
# evaluated from that very string, its inputs, and its outputs. Numbers are written
# with 15 significant digits (jsonlite digits = NA); NA is written as null.

source(file.path("tests", "reference", "common.R"))  # run(), num(), write_pretty(), ...

out_file <- file.path("tests", "reference", "effects_reference.json")

# ---------------------------------------------------------------------------
# 1. Single-arm proportions: dat.pritz1997 plus rows with 0 events, all events,
#    n = 1 (both outcomes) and a small n.
# ---------------------------------------------------------------------------
xi <- c(dat.pritz1997$xi, 0, 20, 0, 1, 2, 0)
ni <- c(dat.pritz1997$ni, 15, 20, 1, 1, 3, 40)
added_rows <- c(rep("dat.pritz1997", nrow(dat.pritz1997)),
                "zero events", "all events", "n = 1, zero events", "n = 1, all events",
                "small n", "zero events, larger n")

proportions <- lapply(c("PLO", "PFT", "PAS", "PR"), function(m) {
  r_call <- sprintf("escalc(measure = \"%s\", xi = xi, ni = ni)", m)
  es <- run(r_call)
  list(measure = m, r_call = r_call, source = added_rows,
       inputs = list(xi = xi, ni = ni),
       yi = num(es$yi), vi = num(es$vi))
})

# ---------------------------------------------------------------------------
# 2. Two-arm 2x2 tables: dat.bcg plus a zero cell, a double zero (no events in
#    either arm), a "double all-events" table and an all-events experimental arm.
# ---------------------------------------------------------------------------
ai <- c(dat.bcg$tpos, 0, 0, 20, 25)
n1i <- c(dat.bcg$tpos + dat.bcg$tneg, 50, 30, 20, 25)
ci <- c(dat.bcg$cpos, 5, 0, 15, 18)
n2i <- c(dat.bcg$cpos + dat.bcg$cneg, 50, 28, 15, 30)
two_arm_source <- c(rep("dat.bcg", nrow(dat.bcg)),
                    "zero cell (no experimental events)", "double zero (no events)",
                    "double all-events", "all events in experimental arm")

two_arm <- lapply(c("RR", "OR", "RD"), function(m) {
  r_call <- sprintf("escalc(measure = \"%s\", ai = ai, n1i = n1i, ci = ci, n2i = n2i)", m)
  es <- run(r_call)
  r_call00 <- sprintf(
    "escalc(measure = \"%s\", ai = ai, n1i = n1i, ci = ci, n2i = n2i, drop00 = TRUE)", m)
  es00 <- run(r_call00)
  list(measure = m, r_call = r_call, source = two_arm_source,
       inputs = list(ai = ai, n1i = n1i, ci = ci, n2i = n2i),
       yi = num(es$yi), vi = num(es$vi),
       r_call_drop00 = r_call00, drop00_dropped = is.na(num(es00$yi)))
})

# Per-study reporting CIs: back-transformed Wald intervals.
two_arm_ci <- list()
for (m in c("RR", "OR", "RD")) {
  for (lev in c(95, 90)) {
    transf <- if (m == "RD") "" else ", transf = exp"
    r_call <- sprintf(paste0(
      "summary(escalc(measure = \"%s\", ai = ai, n1i = n1i, ci = ci, n2i = n2i), ",
      "level = %d%s)"), m, lev, transf)
    s <- run(r_call)
    two_arm_ci[[length(two_arm_ci) + 1]] <- list(
      measure = m, level = lev / 100, r_call = r_call,
      estimate = num(s$yi), ci_low = num(s$ci.lb), ci_high = num(s$ci.ub))
  }
}

# ---------------------------------------------------------------------------
# 3. Ratios given as estimate + SE on the log scale (HR), Wald CI back-transformed.
# ---------------------------------------------------------------------------
hr <- c(2.142, 0.71, 1.0, 0.35)
hr_se <- c(0.3552, 0.12, 0.5, 0.8)
log_ratios <- lapply(c(95, 90), function(lev) {
  r_call <- sprintf(
    "summary(escalc(measure = \"GEN\", yi = log(hr), sei = hr_se), level = %d, transf = exp)",
    lev)
  s <- run(r_call)
  es <- escalc(measure = "GEN", yi = log(hr), sei = hr_se)
  list(measure = "HR", level = lev / 100, r_call = r_call,
       inputs = list(estimate = hr, se = hr_se),
       yi = num(es$yi), vi = num(es$vi),
       estimate = num(s$yi), ci_low = num(s$ci.lb), ci_high = num(s$ci.ub))
})

# ---------------------------------------------------------------------------
# 4. Clopper-Pearson exact intervals (binom.test), including x = 0 and x = n.
# ---------------------------------------------------------------------------
cp_grid <- rbind(
  c(0, 1), c(1, 1), c(0, 5), c(5, 5), c(1, 5), c(14, 30), c(0, 30), c(30, 30),
  c(3, 14), c(16, 17), c(58, 68), c(1, 1000), c(999, 1000), c(500, 1000), c(2, 3)
)
clopper_pearson <- list()
for (lev in c(0.95, 0.90)) {
  for (i in seq_len(nrow(cp_grid))) {
    x <- cp_grid[i, 1]
    n <- cp_grid[i, 2]
    r_call <- sprintf("binom.test(%d, %d, conf.level = %s)$conf.int", x, n, format(lev))
    ci_cp <- run(r_call)
    clopper_pearson[[length(clopper_pearson) + 1]] <- list(
      x = x, n = n, level = lev, r_call = r_call,
      ci_low = ci_cp[1], ci_high = ci_cp[2])
  }
}

# ---------------------------------------------------------------------------
# 5. Back-transformations on grids that include out-of-range values.
# ---------------------------------------------------------------------------
grid_logit <- c(-40, -10, -2.5, -0.4, 0, 0.1, 1, 3.3, 10, 40)
grid_arcsin <- signif(c(-0.5, -1e-9, 0, 0.05, 0.3, 0.7853981633974483, 1.2,
                        1.5707963267948966, 1.6, 2.0, 3.5), 15)
ni_hm <- dat.pritz1997$ni
nhm <- 1 / mean(1 / ni_hm)
# Inputs are rounded to the 15 significant digits that the JSON file holds, so that
# Python evaluates the transforms at exactly the recorded points.
grid_pft <- signif(c(-0.3, 0, transf.pft(0, nhm) - 1e-6, transf.pft(0, nhm), 0.1, 0.2, 0.5,
                     0.7853981633974483, 1.0, 1.3, transf.pft(1, nhm),
                     transf.pft(1, nhm) + 1e-6, 1.5707963267948966, 1.8), 15)

transforms <- list(
  list(`function` = "transf.ilogit", r_call = "transf.ilogit(grid_logit)",
       inputs = list(xi = grid_logit), output = num(run("transf.ilogit(grid_logit)"))),
  list(`function` = "transf.iarcsin", r_call = "transf.iarcsin(grid_arcsin)",
       inputs = list(xi = grid_arcsin), output = num(run("transf.iarcsin(grid_arcsin)"))),
  list(`function` = "transf.ipft.hm",
       r_call = "transf.ipft.hm(grid_pft, targs = list(ni = ni_hm))",
       inputs = list(xi = grid_pft, ni = ni_hm), harmonic_n = nhm,
       output = num(run("transf.ipft.hm(grid_pft, targs = list(ni = ni_hm))"))),
  list(`function` = "transf.ipft",
       r_call = "transf.ipft(grid_pft, ni = 12)",
       inputs = list(xi = grid_pft, ni = 12),
       output = num(run("transf.ipft(grid_pft, ni = 12)")))
)

reference <- list(
  meta = list(
    generated_by = "tests/reference/effects_reference.R",
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    metadat_version = as.character(packageVersion("metadat"))
  ),
  proportions = proportions,
  two_arm = two_arm,
  two_arm_ci = two_arm_ci,
  log_ratios = log_ratios,
  clopper_pearson = clopper_pearson,
  transforms = transforms
)

write_pretty(reference, out_file)
cat("wrote", out_file, "\n")
