# Reference values for synthesis/analyses/bias.py, computed with metafor.
#
# Run from the repository root:   Rscript tests/reference/bias_reference.R
# Writes tests/reference/bias_reference.json (deterministic: no random numbers).
#
# Layout:
#   datasets[]  one per data set: the yi/vi/ni rows and everything that does not depend on
#               the tau2 estimator: regtest(model="lm") for the four predictors (at each level
#               used), ranktest(), fsn() (Rosenthal, Orwin, Rosenberg).
#   cases[]     one per data set x method x ci x level: regtest(model="rma") for the four
#               predictors (for the meta-regression engine; synth's bias.py does not compute
#               it) and trimfill() for L0/R0 x side chosen by metafor/left/right.
#   fsn_cases[] fsn() with a given Orwin target or alpha.
# Every entry records the exact R call. A call that stops in metafor records its message
# under "error" (and no values). Values metafor reports as NA/NaN/Inf are null here; the
# Python tests apply synth's own rules (a test that cannot run is null with a reason).

source(file.path("tests", "reference", "common.R"))  # run(), control_arg(), vec(), ...

out_file <- file.path("tests", "reference", "bias_reference.json")

predictors <- c("sei", "vi", "ninv", "sqrtninv")

err_msg <- function(e) gsub("\\s+", " ", conditionMessage(e))
# evaluate a call string in the caller's frame; a stop() becomes list(error = message)
try_eval <- function(call, env) {
  tryCatch(suppressWarnings(run(call, env)),
           error = function(e) structure(list(error = err_msg(e)), class = "failed"))
}
failed <- function(x) inherits(x, "failed")

# the tight control of common.R for the iterative tau2 estimators; levels in percent
model_call <- function(method, ci, level) {
  sprintf('rma(yi, vi, ni=ni, data=dat, method="%s", test="%s"%s%s)', method, tests[[ci]],
          level_arg(level, percent = TRUE), control_arg(method))
}

# ------------------------------------------------------------------ extractors
regtest_values <- function(rt) {
  list(
    statistic = scalar(rt$zval),
    df = if (is.na(rt$ddf)) NA else scalar(rt$ddf),
    pval = scalar(rt$pval),
    est = if (is.null(rt$est)) NA else scalar(rt$est),
    ci_lb = if (is.null(rt$ci.lb)) NA else scalar(rt$ci.lb),
    ci_ub = if (is.null(rt$ci.ub)) NA else scalar(rt$ci.ub),
    intercept = scalar(coef(rt$fit)[1]),
    slope = scalar(coef(rt$fit)[2])
  )
}

fit_values <- function(m) {
  pred <- suppressWarnings(predict(m))
  tci <- tryCatch({
    cf <- suppressWarnings(confint(m, control = list(tol = 1e-12)))
    c(cf$random["tau^2", "ci.lb"], cf$random["tau^2", "ci.ub"])
  }, error = function(e) c(NA, NA))
  z <- m$test == "z"
  list(
    k = m$k, test = m$test, level = 1 - m$level,
    estimate = scalar(m$b[1]), se = scalar(m$se), ci_lb = scalar(m$ci.lb),
    ci_ub = scalar(m$ci.ub), pi_lb = scalar(pred$pi.lb), pi_ub = scalar(pred$pi.ub),
    zval = if (z) scalar(m$zval) else NA, tval = if (z) NA else scalar(m$zval),
    df = if (z) NA else scalar(m$ddf), pval = scalar(m$pval),
    tau2 = scalar(m$tau2), tau2_ci_lb = scalar(tci[1]), tau2_ci_ub = scalar(tci[2]),
    I2 = scalar(m$I2), H2 = scalar(m$H2), QE = scalar(m$QE), QEp = scalar(m$QEp)
  )
}

# ------------------------------------------------------------------ data sets
datasets <- list()
ds_env <- list()
add_dataset <- function(id, description, data_call, dat, ni_source, k_note = NULL,
                        levels = 0.95, use_methods = methods, tf_sides = c("auto", "left", "right"),
                        fsn_types = TRUE) {
  env <- new.env()
  assign("dat", dat, envir = env)
  assign("ni", dat$ni, envir = env)
  r_model <- "rma(yi, vi, ni=ni, data=dat, method=\"FE\")"
  base <- try_eval(r_model, env)
  assign("res", base, envir = env)
  egger <- list()
  for (level in levels) {
    env_l <- new.env(parent = env)
    call_l <- sprintf('rma(yi, vi, ni=ni, data=dat, method="FE"%s)',
                      level_arg(level, percent = TRUE))
    assign("res", run(call_l, env), envir = env_l)
    for (pr in predictors) {
      call <- sprintf('regtest(res, model="lm", predictor="%s")', pr)
      rt <- try_eval(call, env_l)
      entry <- list(predictor = pr, level = level, r_call = paste0(call, "  # res <- ", call_l))
      entry <- c(entry, if (failed(rt)) unclass(rt) else regtest_values(rt))
      egger[[length(egger) + 1L]] <- entry
    }
  }
  rk_call <- "ranktest(res)"
  rk <- try_eval(rk_call, env)
  ties <- length(unique(dat$vi)) < nrow(dat) || {
    wi <- 1 / dat$vi
    theta <- sum(wi * dat$yi) / sum(wi)
    ys <- (dat$yi - theta) / sqrt(dat$vi - 1 / sum(wi))
    length(unique(ys)) < nrow(dat)
  }
  rank <- c(list(r_call = paste0(rk_call, "  # res <- ", r_model), ties = ties),
            if (failed(rk)) unclass(rk) else list(tau = scalar(rk$tau), pval = scalar(rk$pval)))
  fsn <- list()
  if (fsn_types) {
    for (type in c("Rosenthal", "Orwin", "Rosenberg")) {
      call <- sprintf('fsn(yi, vi, data=dat, type="%s")', type)
      f <- try_eval(call, env)
      fsn[[type]] <- c(list(r_call = call), if (failed(f)) unclass(f) else
        list(fsnum = scalar(f$fsnum), fsnum_inf = is.infinite(f$fsnum), pval = scalar(f$pval),
             meanes = scalar(f$meanes), target = scalar(f$target), alpha = f$alpha))
    }
  }
  datasets[[length(datasets) + 1L]] <<- list(
    id = id, description = description, data_call = data_call, ni_source = ni_source,
    note = k_note, k = nrow(dat), yi = vec(dat$yi), vi = vec(dat$vi),
    ni = if (is.null(dat$ni)) NA else vec(dat$ni),
    levels = vec(levels), methods = use_methods, trimfill_sides = tf_sides,
    egger = egger, ranktest = rank, fsn = fsn
  )
  ds_env[[id]] <<- list(dat = dat, levels = levels, methods = use_methods, sides = tf_sides)
}

plain <- function(d) {
  # keep yi/vi/ni only (numeric vectors, no escalc attributes)
  out <- data.frame(yi = as.numeric(d$yi), vi = as.numeric(d$vi))
  if (!is.null(d$ni)) out$ni <- as.numeric(d$ni)
  out
}

# dat.hackshaw1998: log odds ratios as published; ni = number of cases (the data set has
# no total sample size; any positive ni serves the ninv/sqrtninv predictors).
h <- dat.hackshaw1998
add_dataset("hackshaw1998-OR", "dat.hackshaw1998 log OR (yi, vi as published), ni = cases",
            "dat.hackshaw1998[, c(\"yi\", \"vi\")]; ni = dat.hackshaw1998$cases",
            plain(data.frame(yi = h$yi, vi = h$vi, ni = h$cases)), "cases")

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg_ni <- with(dat.bcg, tpos + tneg + cpos + cneg)
add_dataset("bcg-RR", "dat.bcg log RR, ni = total sample size",
            paste0('escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg); ',
                   "ni = tpos + tneg + cpos + cneg"),
            plain(data.frame(yi = bcg$yi, vi = bcg$vi, ni = bcg_ni)), "tpos+tneg+cpos+cneg",
            levels = c(0.95, 0.90))

pz <- escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997)
add_dataset("pritz1997-PLO", "dat.pritz1997 logit proportions, ni = sample size",
            'escalc(measure="PLO", xi=xi, ni=ni, data=dat.pritz1997)',
            plain(data.frame(yi = pz$yi, vi = pz$vi, ni = dat.pritz1997$ni)), "ni")

nm <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
             n2i = n2i, data = dat.normand1999)
add_dataset("normand1999-MD", "dat.normand1999 mean difference (k = 9), ni = n1i + n2i",
            paste0('escalc(measure="MD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, ',
                   "n2i=n2i, data=dat.normand1999); ni = n1i + n2i"),
            plain(data.frame(yi = nm$yi, vi = nm$vi, ni = with(dat.normand1999, n1i + n2i))),
            "n1i+n2i", k_note = "fewer than 10 studies; trimfill fills on the right under FE")

ml <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
add_dataset("molloy2014-ZCOR", "dat.molloy2014 Fisher z, ni = sample size (tied vi)",
            'escalc(measure="ZCOR", ri=ri, ni=ni, data=dat.molloy2014)',
            plain(data.frame(yi = ml$yi, vi = ml$vi, ni = dat.molloy2014$ni)), "ni",
            k_note = "two studies with the same ni: ties in vi, ranktest uses the normal approximation")

bd <- dat.bangertdrowns2004
add_dataset("bangertdrowns2004-SMD", "dat.bangertdrowns2004 (yi, vi as published), ni",
            'dat.bangertdrowns2004[, c("yi", "vi", "ni")]',
            plain(data.frame(yi = bd$yi, vi = bd$vi, ni = bd$ni)), "ni",
            k_note = "k = 48 with tied vi")

# ------------------------------------------------------------------ edge cases
add_dataset("k2-RR", "dat.bcg[1:2] log RR", "first 2 rows of the bcg-RR data set",
            plain(data.frame(yi = bcg$yi[1:2], vi = bcg$vi[1:2], ni = bcg_ni[1:2])),
            "tpos+tneg+cpos+cneg", k_note = "k = 2: the tests cannot be run")
add_dataset("k3-RR", "dat.bcg[1:3] log RR", "first 3 rows of the bcg-RR data set",
            plain(data.frame(yi = bcg$yi[1:3], vi = bcg$vi[1:3], ni = bcg_ni[1:3])),
            "tpos+tneg+cpos+cneg", k_note = "k = 3: the smallest k for the tests")
# (yi chosen so that no trimmed mean is the midpoint of two yi: see the note on ties below)
add_dataset("identical-vi-GEN", "yi = (0.12, 0.53, -0.21, 0.34, 0.85), vi = 0.04 each, ni = 50 each",
            "data.frame(yi=c(0.12, 0.53, -0.21, 0.34, 0.85), vi=rep(0.04, 5), ni=rep(50, 5))",
            data.frame(yi = c(0.12, 0.53, -0.21, 0.34, 0.85), vi = rep(0.04, 5), ni = rep(50, 5)),
            "constant", k_note = "all variances equal: regtest/ranktest/trimfill side fail",
            tf_sides = c("auto", "left", "right"))
add_dataset("identical-ni-GEN", "yi, vi varying, ni = 40 each",
            "data.frame(yi=c(0.2, 0.45, -0.1, 0.3, 0.6, 0.05), vi=c(0.02, 0.05, 0.03, 0.08, 0.1, 0.04), ni=rep(40, 6))",
            data.frame(yi = c(0.2, 0.45, -0.1, 0.3, 0.6, 0.05),
                       vi = c(0.02, 0.05, 0.03, 0.08, 0.1, 0.04), ni = rep(40, 6)),
            "constant", k_note = "identical ni: the ninv/sqrtninv regressions fail")
# Ties in |yi - beta| and trimfill: trimfill ranks |yi - beta| with ties.method="first",
# so when two studies are mathematically equidistant from a trimmed estimate (a symmetric
# funnel, or a trimmed mean that is the midpoint of two yi) the ranks, and so k0, are
# decided by rounding in the last bit of beta, in R as in any port. Such data sets carry
# no trimfill entries (tf_sides = none); synth's tests check their trim and fill by
# properties instead.
#
# A funnel that is exactly symmetric about 0.3 (pairs 0.3 -/+ d with the same vi): the
# Egger slope is 0 up to rounding.
sym_d <- c(0.05, 0.1, 0.2, 0.35)
sym_v <- c(0.01, 0.03, 0.06, 0.12)
sym <- data.frame(yi = c(0.3, 0.3 - sym_d, 0.3 + sym_d), vi = c(0.005, sym_v, sym_v),
                  ni = c(400, 200, 120, 60, 30, 200, 120, 60, 30))
add_dataset("symmetric-GEN", "funnel symmetric about 0.3",
            paste0("data.frame(yi=c(0.3, 0.3 - d, 0.3 + d), vi=c(0.005, v, v), ",
                   "ni=c(400, 200, 120, 60, 30, 200, 120, 60, 30)); d=c(0.05, 0.1, 0.2, 0.35); ",
                   "v=c(0.01, 0.03, 0.06, 0.12)"),
            sym, "given", k_note = "symmetric: trimfill ranks are tie-fragile (not compared)",
            tf_sides = character(0))
# Ties in both the standardized deviates and the variances.
ties <- data.frame(yi = c(0.2, 0.2, 0.5, -0.1, 0.3, 0.2, 0.7),
                   vi = c(0.04, 0.04, 0.09, 0.01, 0.02, 0.04, 0.16),
                   ni = c(100, 100, 45, 400, 200, 100, 25))
add_dataset("ties-GEN", "three identical rows (yi 0.2, vi 0.04)",
            paste0("data.frame(yi=c(0.2, 0.2, 0.5, -0.1, 0.3, 0.2, 0.7), ",
                   "vi=c(0.04, 0.04, 0.09, 0.01, 0.02, 0.04, 0.16), ",
                   "ni=c(100, 100, 45, 400, 200, 100, 25))"),
            ties, "given", k_note = paste("ties in yi.star and vi: normal approximation;",
                                         "trimfill tie-fragile (and REML fails to converge)"),
            tf_sides = character(0))
# k = 60 without ties: metafor passes exact=TRUE, so the exact distribution is used even
# for n >= 50 (cor.test's own default would switch to the normal approximation).
i <- 1:60
k60 <- data.frame(yi = 0.3 + 0.4 * sin(1.7 * i) + 0.8 * sqrt(0.01 + i / 300),
                  vi = 0.01 + i / 300, ni = round(2000 / (1 + i)))
add_dataset("k60-GEN", "yi = 0.3 + 0.4 sin(1.7 i) + 0.8 sqrt(vi), vi = 0.01 + i/300, i = 1..60",
            paste0("i <- 1:60; data.frame(yi=0.3 + 0.4*sin(1.7*i) + 0.8*sqrt(0.01 + i/300), ",
                   "vi=0.01 + i/300, ni=round(2000/(1 + i)))"),
            k60, "round(2000/(1+i))", k_note = "k = 60, no ties: exact Kendall p for n >= 50",
            use_methods = c("FE", "DL", "REML"))
# The same construction for k = 160 (exact; synth's moving-sum branch of the Kendall
# distribution) and k = 200 (metafor's exact p is NaN: pkendall divides by gamma(201) = Inf).
for (kk in c(160, 200)) {
  i <- seq_len(kk)
  add_dataset(sprintf("k%d-GEN", kk),
              sprintf("yi = 0.3 + 0.4 sin(1.7 i) + 0.8 sqrt(vi), vi = 0.01 + i/300, i = 1..%d", kk),
              sprintf(paste0("i <- 1:%d; data.frame(yi=0.3 + 0.4*sin(1.7*i) + 0.8*sqrt(0.01 + i/300), ",
                             "vi=0.01 + i/300, ni=round(2000/(1 + i)))"), kk),
              data.frame(yi = 0.3 + 0.4 * sin(1.7 * i) + 0.8 * sqrt(0.01 + i / 300),
                         vi = 0.01 + i / 300, ni = round(2000 / (1 + i))),
              "round(2000/(1+i))", k_note = sprintf("k = %d, no ties", kk),
              use_methods = "FE")
}
# Negated hackshaw: the mirror image fills on the right (same k0 as the original).
add_dataset("hackshaw1998-neg", "dat.hackshaw1998 with yi negated",
            "data.frame(yi=-dat.hackshaw1998$yi, vi=dat.hackshaw1998$vi, ni=dat.hackshaw1998$cases)",
            plain(data.frame(yi = -h$yi, vi = h$vi, ni = h$cases)), "cases",
            use_methods = c("FE", "DL", "REML"))

# ------------------------------------------------------------------ model cases
cases <- list()
for (ds in datasets) {
  info <- ds_env[[ds$id]]
  dat <- info$dat
  for (level in info$levels) {
    for (method in info$methods) {
      for (ci in names(tests)) {
        env <- new.env()
        assign("dat", dat, envir = env)
        assign("ni", dat$ni, envir = env)
        mcall <- model_call(method, ci, level)
        res <- try_eval(mcall, env)
        if (failed(res)) stop(sprintf("%s %s: %s", ds$id, mcall, res$error))
        assign("res", res, envir = env)
        regtest_rma <- list()
        for (pr in predictors) {
          call <- sprintf('regtest(res, predictor="%s")', pr)
          rt <- try_eval(call, env)
          entry <- list(predictor = pr, r_call = call)
          entry <- c(entry, if (failed(rt)) unclass(rt) else
            c(regtest_values(rt), list(tau2 = scalar(rt$fit$tau2), test = rt$fit$test)))
          regtest_rma[[length(regtest_rma) + 1L]] <- entry
        }
        tf_extra <- paste0(if (ci == "hksj") ', test="knha"' else "",
                           level_arg(level, percent = TRUE), control_arg(method))
        trimfill_out <- list()
        for (estimator in if (length(info$sides)) c("L0", "R0") else character(0)) {
          for (side in info$sides) {
            side_arg <- if (side == "auto") "" else sprintf(', side="%s"', side)
            call <- sprintf('trimfill(res, estimator="%s"%s%s)', estimator, side_arg, tf_extra)
            tf <- try_eval(call, env)
            entry <- list(estimator = estimator, side_arg = if (side == "auto") NA else side,
                          r_call = call)
            if (failed(tf)) {
              entry <- c(entry, unclass(tf))
            } else {
              # metafor's own default: trimfill(res) refits with test="z", level=95 and the
              # default control, whatever the model had
              pcall <- sprintf('trimfill(res, estimator="%s"%s)', estimator, side_arg)
              ptf <- try_eval(pcall, env)
              entry <- c(entry, list(
                k0 = tf$k0, se_k0 = scalar(tf$se.k0), side = tf$side,
                p_k0 = scalar(tf$p.k0),
                filled_yi = vec(tf$yi[tf$fill]), filled_vi = vec(tf$vi[tf$fill]),
                fit = fit_values(tf),
                plain_r_call = pcall,
                plain_fit = if (failed(ptf)) unclass(ptf) else
                  list(test = ptf$test, level = 1 - ptf$level, estimate = scalar(ptf$b[1]),
                       se = scalar(ptf$se), ci_lb = scalar(ptf$ci.lb), ci_ub = scalar(ptf$ci.ub),
                       pval = scalar(ptf$pval), tau2 = scalar(ptf$tau2))
              ))
            }
            trimfill_out[[length(trimfill_out) + 1L]] <- entry
          }
        }
        cases[[length(cases) + 1L]] <- list(
          id = sprintf("%s-%s-%s%s", ds$id, method, ci, level_suffix(level)),
          dataset = ds$id, method = method, ci = ci, level = level, k = res$k,
          r_call = mcall, model = fit_values(res),
          regtest_rma = regtest_rma, trimfill = trimfill_out
        )
      }
    }
  }
}

# ------------------------------------------------------------------ fsn options
fsn_cases <- list()
add_fsn <- function(id, dataset, call) {
  dat <- ds_env[[dataset]]$dat
  env <- new.env()
  assign("dat", dat, envir = env)
  f <- try_eval(call, env)
  fsn_cases[[length(fsn_cases) + 1L]] <<- c(
    list(id = id, dataset = dataset, r_call = call),
    if (failed(f)) unclass(f) else
      list(type = f$type, fsnum = scalar(f$fsnum), fsnum_inf = is.infinite(f$fsnum),
           pval = scalar(f$pval), meanes = scalar(f$meanes), target = scalar(f$target),
           alpha = f$alpha))
}
add_fsn("bcg-orwin-target-neg", "bcg-RR", 'fsn(yi, vi, data=dat, type="Orwin", target=-0.2)')
add_fsn("bcg-orwin-target-pos", "bcg-RR", 'fsn(yi, vi, data=dat, type="Orwin", target=0.2)')
add_fsn("bcg-orwin-target-0", "bcg-RR", 'fsn(yi, vi, data=dat, type="Orwin", target=0)')
add_fsn("bcg-rosenthal-a10", "bcg-RR", 'fsn(yi, vi, data=dat, type="Rosenthal", alpha=0.1)')
add_fsn("bcg-rosenberg-a10", "bcg-RR", 'fsn(yi, vi, data=dat, type="Rosenberg", alpha=0.1)')
add_fsn("hackshaw-orwin-target", "hackshaw1998-OR",
        'fsn(yi, vi, data=dat, type="Orwin", target=0.05)')
add_fsn("pritz-rosenthal-a01", "pritz1997-PLO", 'fsn(yi, vi, data=dat, type="Rosenthal", alpha=0.01)')
add_fsn("symmetric-rosenthal-zero", "ties-GEN", 'fsn(yi - 0.2, vi, data=dat, type="Rosenthal")')

# ------------------------------------------------------------------ write
meta <- reference_meta(
  "tests/reference/bias_reference.R",
  methods = methods, iterative_methods = iterative, predictors = predictors,
  n_datasets = length(datasets), n_cases = length(cases), n_fsn_cases = length(fsn_cases)
)
write_cases(out_file, meta, list(datasets = datasets, cases = cases, fsn_cases = fsn_cases))
cat(sprintf("wrote %d datasets, %d cases, %d fsn cases to %s\n", length(datasets),
            length(cases), length(fsn_cases), out_file))
