# Reference values for the Cochrane-review cores (tests/test_cochrane.py):
#   synthesis/models_continuous.py  escalc(measure = "MD" / "SMD")
#   synthesis/models_mh.py          rma.mh (RR, OR, RD) and rma.peto
#   synthesis/prediction.py         the t-based (k - 2 df) prediction interval
# and rma(yi, vi) on the MD/SMD escalc output, to show that it pools through
# synthesis.pooling.fit as metafor does.
#
# Run from the repository root:   Rscript tests/reference/cochrane_reference.R
# Writes tests/reference/cochrane_reference.json (deterministic: no random numbers).
#
# Every case stores the exact R expression that produced it (`r_call`), evaluated from
# that very string. Numbers are written with 15 significant digits (jsonlite
# digits = NA); NA/NaN/Inf are written as null. The JSON holds what metafor reports;
# the contract's null rules (heterogeneity for fewer than 2 studies in Q, a test with
# 0 df) are applied by the tests.

source(file.path("tests", "reference", "common.R"))  # run(), control_arg(), vec(), ...

out_file <- file.path("tests", "reference", "cochrane_reference.json")

# ---------------------------------------------------------------------------
# 1. escalc MD and SMD (metafor defaults: vtype = "LS"; SMD = Hedges' g with the
#    exact correction .cmicalc(n1i + n2i - 2)).
# ---------------------------------------------------------------------------
normand <- dat.normand1999
# A hand case: the smallest n for which SMD exists (n1 + n2 = 4), unequal SDs, a
# negative difference, n = 1 in one arm (MD only needs vi > 0), non-integer n, and
# large trials (n1 + n2 - 2 up to 2e6) where lgamma must not overflow.
hand <- data.frame(
  m1i  = c(10.0, 5.5, 3.2, 120.0, 0.0, 7.25, 50.0, 50.1),
  sd1i = c(2.0, 1.2, 0.8, 30.0, 1.0, 2.5, 10.0, 10.0),
  n1i  = c(12, 2, 40, 3, 25, 10.5, 1e4, 1e6),
  m2i  = c(8.0, 6.0, 3.9, 100.0, 0.0, 6.0, 49.0, 50.0),
  sd2i = c(2.5, 1.0, 1.6, 25.0, 1.0, 2.0, 11.0, 9.5),
  n2i  = c(10, 2, 35, 1, 25, 9, 1e4, 1e6)
)
hand_notes <- c("ordinary", "n1 + n2 = 4 (smallest n for SMD)", "negative difference",
                "n2 = 1", "identical arms (difference 0)", "non-integer n1",
                "n = 1e4 per arm", "n = 1e6 per arm")

escalc_cases <- list()
for (ds in c("dat.normand1999", "hand")) {
  for (measure in c("MD", "SMD")) {
    r_call <- sprintf(
      'escalc(measure="%s", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, data=%s)',
      measure, if (ds == "hand") "hand" else "dat.normand1999")
    d <- if (ds == "hand") hand else normand
    es <- run(r_call)
    escalc_cases[[length(escalc_cases) + 1L]] <- list(
      id = sprintf("%s-%s", if (ds == "hand") "hand" else "normand1999", measure),
      r_call = r_call, dataset = ds, measure = measure,
      note = if (ds == "hand") hand_notes else NULL,
      inputs = list(m1i = vec(d$m1i), sd1i = vec(d$sd1i), n1i = vec(d$n1i),
                    m2i = vec(d$m2i), sd2i = vec(d$sd2i), n2i = vec(d$n2i)),
      yi = vec(es$yi), vi = vec(es$vi),
      cmi = if (measure == "SMD") vec(metafor:::.cmicalc(d$n1i + d$n2i - 2)) else NULL
    )
  }
}

# ---------------------------------------------------------------------------
# 2. rma(yi, vi) on the MD / SMD escalc output, every method x {z, knha}, and the
#    t-based prediction interval of R meta's method.predict = "HTS" (Higgins,
#    Thompson & Spiegelhalter 2009), written out from the rma values as meta does it
#    (meta 8.4-0, R/metagen.R: ci(TE.random, sqrt(seTE.classic^2 + tau2), level, k - 2)):
#    estimate +/- qt((1 + level)/2, k - 2) * sqrt(tau2 + se^2), where se is the
#    classic (Wald, test = "z") standard error also when the CI is Hartung-Knapp
#    (meta's "HK" prediction intervals are a different method).
# ---------------------------------------------------------------------------
pi_t_call <- paste0("res.z <- rma(yi, vi, data=dat, method=<method>, test=\"z\"<level>); ",
                    "coef(res.z) + c(-1, 1) * qt((1 + level)/2, df=res.z$k - 2) * ",
                    "sqrt(res.z$tau2 + res.z$se^2)")

pool_case <- function(id, dataset, measure, method, ci, level, dat, escalc_call) {
  level_str <- level_arg(level)
  mk <- function(test) sprintf('rma(yi, vi, data=dat, method="%s", test="%s"%s%s)', method,
                               test, level_str, control_arg(method))
  r_call <- mk(tests[[ci]])
  res <- suppressWarnings(run(r_call))
  res_z <- suppressWarnings(run(mk("z")))
  pred <- predict(res)
  k <- res$k
  z_test <- res$test == "z"
  if (method != "FE" && k >= 3) {
    crit <- qt((1 + level) / 2, df = k - 2)
    half <- crit * sqrt(res_z$tau2 + res_z$se^2)
    pi_t <- c(res_z$b[1] - half, res_z$b[1] + half)
  } else {
    pi_t <- c(NA, NA)
  }
  list(
    id = id, r_call = r_call, escalc_call = escalc_call,
    r_call_pi_t = if (method != "FE" && k >= 3) sub("<level>", level_str,
                                                    sub("<method>", sprintf('"%s"', method),
                                                        pi_t_call, fixed = TRUE),
                                                    fixed = TRUE) else NA,
    dataset = dataset, measure = measure, method = method, ci = ci, level = level, k = k,
    metafor_test = res$test,
    yi = vec(dat$yi), vi = vec(dat$vi),
    estimate = scalar(res$b[1]), se = scalar(res$se),
    se_classic = scalar(res_z$se),
    ci_lb = scalar(res$ci.lb), ci_ub = scalar(res$ci.ub),
    pi_lb = scalar(pred$pi.lb), pi_ub = scalar(pred$pi.ub),
    pi_t_lb = scalar(pi_t[1]), pi_t_ub = scalar(pi_t[2]),
    pi_t_df = if (method != "FE" && k >= 3) k - 2L else NA,
    zval = if (z_test) scalar(res$zval) else NA,
    tval = if (z_test) NA else scalar(res$zval),
    df = if (z_test) NA else scalar(res$ddf),
    pval = scalar(res$pval),
    tau2 = scalar(res$tau2), I2 = scalar(res$I2), H2 = scalar(res$H2),
    QE = scalar(res$QE), QE_df = k - 1L, QEp = scalar(res$QEp),
    weights = vec(weights(res))
  )
}

pool_cases <- list()
for (measure in c("MD", "SMD")) {
  call <- sprintf(
    'escalc(measure="%s", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, n2i=n2i, data=dat.normand1999)',
    measure)
  es <- run(call)
  for (level in c(0.95, 0.90)) {
    for (method in methods) {
      for (ci in names(tests)) {
        id <- sprintf("normand1999-%s-%s-%s%s", measure, method, ci, level_suffix(level))
        pool_cases[[length(pool_cases) + 1L]] <- pool_case(
          id, "dat.normand1999", measure, method, ci, level, es, call)
      }
    }
  }
}
# The PI on t for small k: k = 3 (1 df) and k = 2 (none), SMD on dat.normand1999[1:k].
for (kk in 2:3) {
  call <- sprintf(paste0('escalc(measure="SMD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, ',
                         'sd2i=sd2i, n2i=n2i, data=dat.normand1999[1:%d, ])'), kk)
  es <- run(call)
  for (method in c("DL", "REML")) {
    for (ci in names(tests)) {
      id <- sprintf("normand1999[1:%d]-SMD-%s-%s", kk, method, ci)
      pool_cases[[length(pool_cases) + 1L]] <- pool_case(
        id, sprintf("dat.normand1999[1:%d, ]", kk), "SMD", method, ci, 0.95, es, call)
    }
  }
}
# The PI on t for log risk ratios (dat.bcg, k = 13).
bcg_rr_call <- 'escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)'
bcg_rr <- run(bcg_rr_call)
for (method in c("DL", "REML", "PM")) {
  for (ci in names(tests)) {
    pool_cases[[length(pool_cases) + 1L]] <- pool_case(
      sprintf("bcg-RR-%s-%s", method, ci), "dat.bcg", "RR", method, ci, 0.95, bcg_rr,
      bcg_rr_call)
  }
}

# ---------------------------------------------------------------------------
# 3. rma.mh (RR, OR, RD) and rma.peto, metafor defaults: add = 1/2, to = "only0",
#    drop00 = TRUE for the per-study yi/vi (used in Q); the MH/Peto estimate uses the
#    raw counts; correct = TRUE for the CMH test. rma.mh(..., correct = FALSE) gives the
#    uncorrected CMH statistic.
# ---------------------------------------------------------------------------
mh_cases <- list()

mh_case <- function(id, dataset, method, measure, d, level = 0.95, note = NULL) {
  level_str <- level_arg(level, percent = TRUE)
  r_call <- if (method == "MH") {
    sprintf('rma.mh(ai=ai, bi=bi, ci=ci, di=di, data=d, measure="%s"%s)', measure, level_str)
  } else {
    sprintf("rma.peto(ai=ai, bi=bi, ci=ci, di=di, data=d%s)", level_str)
  }
  base <- list(id = id, r_call = r_call, dataset = dataset, method = method,
               measure = measure, level = level, note = note,
               inputs = list(ai = vec(d$ai), bi = vec(d$bi),
                             ci = vec(d$ci), di = vec(d$di)))
  res <- tryCatch(suppressWarnings(run(r_call)), error = function(e) e)
  if (inherits(res, "error")) {
    return(c(base, list(error = conditionMessage(res))))
  }
  out <- c(base, list(
    error = NA,
    k = res$k, k_yi = res$k.yi, k_pos = scalar(res$k.pos),
    estimate = scalar(res$b[1]), se = scalar(res$se), zval = scalar(res$zval),
    pval = scalar(res$pval), ci_lb = scalar(res$ci.lb), ci_ub = scalar(res$ci.ub),
    QE = scalar(res$QE), QEp = scalar(res$QEp), I2 = scalar(res$I2), H2 = scalar(res$H2),
    yi = vec(res$yi.f), vi = vec(res$vi.f),
    weights = vec(weights(res))
  ))
  if (method == "MH" && measure == "OR") {
    r_call_unc <- sub(")$", ", correct=FALSE)", r_call)
    unc <- suppressWarnings(run(r_call_unc))
    out <- c(out, list(
      CMH = scalar(res$MH), CMHp = scalar(res$MHp),
      r_call_uncorrected = r_call_unc,
      CMH_uncorrected = scalar(unc$MH), CMHp_uncorrected = scalar(unc$MHp),
      TA = scalar(res$TA), TAp = scalar(res$TAp),
      BD = scalar(res$BD), BDp = scalar(res$BDp)
    ))
  }
  out
}

add_all <- function(prefix, dataset, d, levels = 0.95, note = NULL) {
  for (level in levels) {
    lv <- level_suffix(level)
    for (measure in c("RR", "OR", "RD")) {
      mh_cases[[length(mh_cases) + 1L]] <<- mh_case(
        sprintf("%s-MH-%s%s", prefix, measure, lv), dataset, "MH", measure, d, level, note)
    }
    mh_cases[[length(mh_cases) + 1L]] <<- mh_case(
      sprintf("%s-PETO-OR%s", prefix, lv), dataset, "PETO", "OR", d, level, note)
  }
}

bcg <- with(dat.bcg, data.frame(ai = tpos, bi = tneg, ci = cpos, di = cneg))
add_all("bcg", "dat.bcg (tpos, tneg, cpos, cneg)", bcg, levels = c(0.95, 0.90))

egger <- with(dat.egger2001, data.frame(ai = ai, bi = n1i - ai, ci = ci, di = n2i - ci))
add_all("egger2001", "dat.egger2001 (magnesium; Bertschat 1989 has 0 events in one arm)",
        egger)

yus <- dat.yusuf1985[dat.yusuf1985$table == "12b" & !is.na(dat.yusuf1985$ai), ]
yusuf <- with(yus, data.frame(ai = ai, bi = n1i - ai, ci = ci, di = n2i - ci))
add_all("yusuf1985-12b", "dat.yusuf1985[table == \"12b\", complete] (Reynolds: 0/39 vs 0/39)",
        yusuf)

li <- with(dat.li2007, data.frame(ai = ai, bi = n1i - ai, ci = ci, di = n2i - ci))
add_all("li2007", "dat.li2007 (magnesium, small trials)", li)

# Edge cases built on the first rows of dat.bcg.
add_all("k1", "dat.bcg[1]", bcg[1, ])
add_all("k2", "dat.bcg[1:2]", bcg[1:2, ])
add_all("k3", "dat.bcg[1:3]", bcg[1:3, ])
add_all("k1-zero", "one table with a zero cell (ai = 0)",
        data.frame(ai = 0, bi = 20, ci = 4, di = 16))
add_all("zero-cell", "dat.bcg[1:4] + a table with ai = 0",
        rbind(bcg[1:4, ], data.frame(ai = 0, bi = 30, ci = 5, di = 25)))
add_all("double-zero", "dat.bcg[1:4] + a table with no events (ai = ci = 0)",
        rbind(bcg[1:4, ], data.frame(ai = 0, bi = 40, ci = 0, di = 38)))
add_all("all-events", "dat.bcg[1:4] + a table where everyone had the event (bi = di = 0)",
        rbind(bcg[1:4, ], data.frame(ai = 10, bi = 0, ci = 12, di = 0)))
add_all("k2-double-zero", "dat.bcg[1] + a table with no events (k_yi = 1)",
        rbind(bcg[1, ], data.frame(ai = 0, bi = 40, ci = 0, di = 38)))
add_all("no-exp-events", "no events in any experimental arm (MH OR/RR do not exist)",
        data.frame(ai = c(0, 0, 0), bi = c(10, 12, 9), ci = c(2, 3, 1), di = c(8, 9, 9)))
add_all("no-events", "no events at all (RD = 0 with se 0; Peto stops)",
        data.frame(ai = c(0, 0, 0), bi = c(10, 12, 9), ci = c(0, 0, 0), di = c(8, 9, 9)))
add_all("identical", "two identical tables",
        data.frame(ai = c(12, 12), bi = c(38, 38), ci = c(20, 20), di = c(30, 30)))
add_all("events-everywhere", "every cell positive, small counts",
        data.frame(ai = c(1, 2, 3), bi = c(1, 1, 2), ci = c(2, 1, 1), di = c(1, 3, 2)))

# ---------------------------------------------------------------------------
# write
# ---------------------------------------------------------------------------
meta <- reference_meta(
  "tests/reference/cochrane_reference.R",
  escalc_defaults = "vtype=\"LS\"; SMD bias correction metafor:::.cmicalc (exact, lgamma)",
  mh_defaults = "add=1/2, to=\"only0\", drop00=TRUE for yi/vi; raw counts for the MH/Peto estimate; correct=TRUE",
  pi_t = "R meta method.predict=\"HTS\": estimate +/- qt((1+level)/2, k-2) * sqrt(tau2 + se_classic^2)",
  n_escalc = length(escalc_cases), n_pool = length(pool_cases), n_mh = length(mh_cases)
)
write_cases(out_file, meta, list(escalc = escalc_cases, pool = pool_cases, mh = mh_cases))
cat(sprintf("wrote %d escalc, %d pool and %d MH/Peto cases to %s\n", length(escalc_cases),
            length(pool_cases), length(mh_cases), out_file))
