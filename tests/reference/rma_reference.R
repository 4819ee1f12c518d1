# Reference grid for synthesis/pooling.py, computed with metafor.
#
# Run from the repository root:   Rscript tests/reference/rma_reference.R
# Writes tests/reference/rma_reference.json (deterministic: no random numbers).
#
# Every case records the exact R calls that produced it (escalc, rma, predict,
# confint), the input data per study, the escalc yi/vi and metafor's outputs.
# Values metafor does not give (e.g. confint() for FE, a t test with k = 1) are null.
# The contract's null rules (PI for k < 3, tau2 for FE, ...) are applied by the tests,
# not here: this file holds what metafor itself reports.

source(file.path("tests", "reference", "common.R"))  # run(), control_arg(), num(), ...

out_file <- file.path("tests", "reference", "rma_reference.json")

confint_call <- "confint(res, control=list(tol=1e-12))"

run_case <- function(id, dataset, measure, method, ci, level, dat, inputs,
                     escalc_call, extra = list()) {
  r_call <- sprintf('rma(yi, vi, data=dat, method="%s", test="%s"%s%s)', method, tests[[ci]],
                    level_arg(level), control_arg(method))
  res <- suppressWarnings(run(r_call))
  pred <- suppressWarnings(predict(res))
  tau2_ci <- tryCatch({
    cf <- suppressWarnings(run(confint_call))
    c(cf$random["tau^2", "ci.lb"], cf$random["tau^2", "ci.ub"])
  }, error = function(e) c(NA, NA))
  z_test <- res$test == "z"
  if (length(inputs) == 0L) inputs <- list(yi = dat$yi, vi = dat$vi)
  c(list(
    id = id,
    r_call = r_call,
    r_call_predict = "predict(res)",
    r_call_confint = confint_call,
    escalc_call = escalc_call,
    dataset = dataset,
    measure = measure,
    method = method,
    ci = ci,
    level = level,
    k = res$k,
    metafor_test = res$test,
    inputs = lapply(inputs, vec),
    yi = vec(dat$yi),
    vi = vec(dat$vi),
    estimate = scalar(res$b[1]),
    se = scalar(res$se),
    ci_lb = scalar(res$ci.lb),
    ci_ub = scalar(res$ci.ub),
    pi_lb = scalar(pred$pi.lb),
    pi_ub = scalar(pred$pi.ub),
    zval = if (z_test) scalar(res$zval) else NA,
    tval = if (z_test) NA else scalar(res$zval),
    df = if (z_test) NA else scalar(res$ddf),
    pval = scalar(res$pval),
    tau2 = scalar(res$tau2),
    tau2_ci_lb = scalar(tau2_ci[1]),
    tau2_ci_ub = scalar(tau2_ci[2]),
    I2 = scalar(res$I2),
    H2 = scalar(res$H2),
    QE = scalar(res$QE),
    QE_df = res$k - 1L,
    QEp = scalar(res$QEp),
    weights = vec(weights(res))
  ), extra)
}

cases <- list()
add <- function(case) cases[[length(cases) + 1L]] <<- case

grid <- function(prefix, dataset, measure, dat, inputs, escalc_call, levels = 0.95,
                 use_methods = methods, extra = list()) {
  for (level in levels) {
    for (method in use_methods) {
      for (ci in names(tests)) {
        id <- sprintf("%s-%s-%s%s", prefix, method, ci, level_suffix(level))
        add(run_case(id, dataset, measure, method, ci, level, dat, inputs, escalc_call, extra))
      }
    }
  }
}

# ---------------------------------------------------------------- proportions
pritz <- dat.pritz1997
for (measure in c("PLO", "PFT", "PAS", "PR")) {
  call <- sprintf('escalc(measure="%s", xi=xi, ni=ni, data=dat.pritz1997)', measure)
  dat <- run(call)
  inputs <- list(xi = pritz$xi, ni = pritz$ni)
  grid(sprintf("pritz1997-%s", measure), "dat.pritz1997", measure, dat, inputs, call)
}

# ---------------------------------------------------------------- two-group counts
bcg <- dat.bcg
bcg_inputs <- list(ai = bcg$tpos, n1i = bcg$tpos + bcg$tneg, ci = bcg$cpos,
                   n2i = bcg$cpos + bcg$cneg)
for (measure in c("RR", "OR", "RD")) {
  call <- sprintf('escalc(measure="%s", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)',
                  measure)
  dat <- run(call)
  levels <- if (measure == "OR") c(0.95, 0.90) else 0.95
  grid(sprintf("bcg-%s", measure), "dat.bcg", measure, dat, bcg_inputs, call, levels = levels)
}

# ---------------------------------------------------------------- HR-style log ratio
# Ratios with a 95% CI as a paper would print them: exp of the dat.bcg log risk ratio
# and of its Wald 95% limits, rounded to 3 decimals; then yi = log(estimate) and
# vi = ((log(ci_high) - log(ci_low)) / (2 * qnorm(0.975)))^2, as synth does for HR.
rr <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
hr_est <- round(exp(rr$yi), 3)
hr_lo <- round(exp(rr$yi - qnorm(0.975) * sqrt(rr$vi)), 3)
hr_hi <- round(exp(rr$yi + qnorm(0.975) * sqrt(rr$vi)), 3)
hr_call <- paste0("yi = log(estimate); vi = ((log(ci_high) - log(ci_low)) / ",
                  "(2 * qnorm(0.975)))^2, where estimate/ci_low/ci_high = round(exp(.), 3) ",
                  "of escalc(measure=\"RR\", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg) ",
                  "yi and yi -/+ qnorm(0.975)*sqrt(vi)")
hr_dat <- data.frame(yi = log(hr_est),
                     vi = ((log(hr_hi) - log(hr_lo)) / (2 * qnorm(0.975)))^2)
grid("bcg-HR", "dat.bcg (log RR as estimate + 95% CI)", "HR", hr_dat,
     list(estimate = hr_est, ci_low = hr_lo, ci_high = hr_hi), hr_call)

# ---------------------------------------------------------------- generic
bd <- dat.bangertdrowns2004
gen_call <- "dat.bangertdrowns2004 (yi, vi as published in metadat)"
gen_dat <- data.frame(yi = bd$yi, vi = bd$vi)
grid("bangertdrowns2004-GEN", "dat.bangertdrowns2004", "GEN", gen_dat, list(), gen_call,
     levels = c(0.95, 0.90))

# ---------------------------------------------------------------- special cases
# Zero cells, proportions: the first 8 studies of dat.pritz1997 with study 3 set to
# 0/8 events; studies 5 (10/10) and 8 (12/12) have all events.  to="only0" adds 1/2.
pz <- dat.pritz1997[1:8, ]
pz$xi[3] <- 0
call <- 'escalc(measure="PLO", xi=xi, ni=ni, data=pz)  # pz = dat.pritz1997[1:8,], xi[3] <- 0'
dat <- run(sub("  #.*$", "", call))
grid("zero-PLO", "dat.pritz1997[1:8] with xi[3]=0", "PLO", dat,
     list(xi = pz$xi, ni = pz$ni), call)

# Zero cells, two groups: dat.bcg with trial 1 having 0 events in the vaccinated arm
# and trial 3 having all events in the vaccinated arm (tneg = 0).
bz <- dat.bcg
bz$tneg[1] <- bz$tneg[1] + bz$tpos[1]
bz$tpos[1] <- 0
bz$tpos[3] <- bz$tpos[3] + bz$tneg[3]
bz$tneg[3] <- 0
call <- paste0('escalc(measure="OR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=bz)',
               "  # bz = dat.bcg; trial 1: tpos 0 (tneg 123); trial 3: tneg 0 (tpos 231)")
dat <- run(sub("  #.*$", "", call))
grid("zero-OR", "dat.bcg with trial 1 tpos=0, trial 3 tneg=0", "OR", dat,
     list(ai = bz$tpos, n1i = bz$tpos + bz$tneg, ci = bz$cpos, n2i = bz$cpos + bz$cneg), call)

# k = 1, 2, 3: the first studies of dat.bcg (log RR).
rr_call <- 'escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)'
for (kk in 1:3) {
  sub_dat <- rr[seq_len(kk), ]
  sub_in <- lapply(bcg_inputs, function(x) x[seq_len(kk)])
  grid(sprintf("k%d-RR", kk), sprintf("dat.bcg[1:%d]", kk), "RR", sub_dat, sub_in,
       paste0(rr_call, sprintf("[1:%d, ]", kk)))
}

# All-identical yi (different vi).
ident <- data.frame(yi = rep(0.4, 5), vi = c(0.1, 0.2, 0.05, 0.3, 0.15))
grid("identical-GEN", "identical yi = 0.4, vi = (0.1, 0.2, 0.05, 0.3, 0.15)", "GEN", ident,
     list(), "data.frame(yi=rep(0.4, 5), vi=c(0.1, 0.2, 0.05, 0.3, 0.15))")

# Very large heterogeneity: the Q-profile upper bound exceeds confint's default
# tau2.max = max(100, 10 * tau2), so metafor reports tau2.max as the upper bound.
cap <- data.frame(yi = c(-20, 0, 25), vi = c(1, 2, 1.5))
grid("qpcap-GEN", "yi = (-20, 0, 25), vi = (1, 2, 1.5)", "GEN", cap, list(),
     "data.frame(yi=c(-20, 0, 25), vi=c(1, 2, 1.5))")

# ---------------------------------------------------------------- subgroups
# dat.bcg log RR by alloc: one rma per subgroup; the test for subgroup differences as
# R meta computes it = Q of an FE (inverse-variance) meta-analysis of the subgroup
# estimates with their standard errors (as fitted), df = groups - 1.
subgroup_tests <- list()
groups <- c("random", "alternate", "systematic")
for (method in methods) {
  for (ci in names(tests)) {
    est <- c()
    ses <- c()
    ids <- c()
    for (g in groups) {
      idx <- which(dat.bcg$alloc == g)
      sub_dat <- rr[idx, ]
      sub_in <- lapply(bcg_inputs, function(x) x[idx])
      id <- sprintf("subgroup-alloc-%s-RR-%s-%s", g, method, ci)
      case <- run_case(id, sprintf("dat.bcg[alloc == \"%s\"]", g), "RR", method, ci, 0.95,
                       sub_dat, sub_in, paste0(rr_call, sprintf("[alloc == \"%s\", ]", g)),
                       extra = list(subgroup_by = "alloc", subgroup_value = g))
      add(case)
      est <- c(est, case$estimate)
      ses <- c(ses, case$se)
      ids <- c(ids, id)
    }
    fe <- rma(est, sei = ses, method = "FE")
    subgroup_tests[[length(subgroup_tests) + 1L]] <- list(
      id = sprintf("subgroup-test-alloc-RR-%s-%s", method, ci),
      r_call = "rma(est, sei=ses, method=\"FE\")  # est/ses = subgroup estimates and SEs",
      by = "alloc", method = method, ci = ci, groups = groups, case_ids = ids,
      estimates = est, ses = ses, Q = fe$QE, df = length(groups) - 1L, p = fe$QEp
    )
  }
}

# ---------------------------------------------------------------- write
meta <- reference_meta(
  "tests/reference/rma_reference.R",
  escalc_defaults = "add=1/2, to=\"only0\", drop00=FALSE (metafor defaults)",
  iterative_methods = iterative,
  n_cases = length(cases),
  n_subgroup_tests = length(subgroup_tests)
)
write_cases(out_file, meta, list(cases = cases, subgroup_tests = subgroup_tests))
cat(sprintf("wrote %d cases and %d subgroup tests to %s\n", length(cases),
            length(subgroup_tests), out_file))
