# Reference grid for synthesis/analyses/sensitivity.py, computed with metafor.
#
# Run from the repository root:   Rscript tests/reference/sensitivity_reference.R
# Writes tests/reference/sensitivity_reference.json (deterministic: no random numbers).
#
# For every data set x method x test ("z" = wald, "knha" = hksj) the case records the
# exact R calls (escalc, rma, leave1out, influence, cumul, baujat, and the predict()
# calls for the prediction intervals of the reduced / cumulative models, which
# leave1out() and cumul() do not give), the yi/vi used and metafor's outputs.
# This file holds what metafor itself reports (e.g. tau2 = 0, Q = 0 for a k = 1 fit);
# the contract's null rules (PI for k < 3, tau2 for FE, heterogeneity for k = 1) are
# applied by the tests.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

out_file <- file.path("tests", "reference", "sensitivity_reference.json")

methods <- c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
iterative <- c("REML", "ML", "PM", "EB")
tests <- c(wald = "z", hksj = "knha")

# The same control settings as tests/reference/rma_reference.R: Fisher scoring to a
# change of 1e-12; PM's uniroot() to tol = 1e-12.  leave1out(), influence(), cumul() and
# baujat() refit with the model's own control list.
control_str <- function(method) {
  if (method == "PM") {
    return("control=list(threshold=1e-12, maxiter=10000, tol=1e-12)")
  }
  if (method %in% iterative) {
    return("control=list(threshold=1e-12, maxiter=10000)")
  }
  ""
}

num <- function(x) {
  x <- as.numeric(x)
  x[!is.finite(x)] <- NA
  I(x)  # I(): stays a JSON array even when k = 1
}

# predict() of an FE model has no prediction interval
pi_or_na <- function(x) if (is.null(x)) NA_real_ else x

rma_str <- function(method, ci, extra = "") {
  ctrl <- control_str(method)
  sprintf('rma(yi, vi, data=%s, method="%s", test="%s"%s)', "%s", method, tests[[ci]],
          paste0(extra, if (nzchar(ctrl)) paste0(", ", ctrl) else ""))
}

run_case <- function(id, dataset, measure, method, ci, dat, escalc_call, order_key,
                     order_call) {
  tmpl <- rma_str(method, ci)
  r_call <- sprintf(tmpl, "dat")
  res <- suppressWarnings(eval(parse(text = r_call)))
  k <- res$k
  z_test <- res$test == "z"

  l1o <- suppressWarnings(leave1out(res))
  inf <- suppressWarnings(influence(res))
  cu_call <- sprintf("cumul(res, order=%s)", order_call)
  cu <- suppressWarnings(cumul(res, order = order_key))
  grDevices::pdf(NULL)
  bj <- suppressWarnings(baujat(res))
  grDevices::dev.off()

  # prediction intervals of the reduced models (leave1out() has none)
  loo_tmpl <- rma_str(method, ci, ", subset=-i")
  loo_call <- sprintf(loo_tmpl, "dat")
  loo_pi <- t(vapply(seq_len(k), function(i) {
    fit <- suppressWarnings(eval(parse(text = loo_call)))
    p <- predict(fit)
    c(pi_or_na(p$pi.lb), pi_or_na(p$pi.ub), fit$k)
  }, numeric(3)))
  # cumulative models (cumul() sorts with order(order_key), a stable sort)
  ord <- order(order_key)
  dat_o <- dat[ord, ]
  cu_tmpl <- rma_str(method, ci, ", subset=seq_len(i)")
  cu_fit_call <- sprintf(cu_tmpl, "dat_o")
  cu_pi <- t(vapply(seq_len(k), function(i) {
    fit <- suppressWarnings(eval(parse(text = cu_fit_call)))
    p <- predict(fit)
    c(pi_or_na(p$pi.lb), pi_or_na(p$pi.ub), fit$k)
  }, numeric(3)))

  fe <- method == "FE"
  list(
    id = id,
    dataset = dataset,
    measure = measure,
    method = method,
    ci = ci,
    level = 0.95,
    k = k,
    metafor_test = res$test,
    escalc_call = escalc_call,
    r_calls = list(
      rma = paste0("res <- ", r_call),
      leave1out = "leave1out(res)",
      leave1out_predict = sprintf("for (i in 1:k) predict(%s)", loo_call),
      influence = "influence(res)",
      cumul = cu_call,
      cumul_predict = sprintf("dat_o <- dat[order(%s), ]; for (i in 1:k) predict(%s)",
                              order_call, cu_fit_call),
      baujat = "baujat(res)"
    ),
    yi = num(dat$yi),
    vi = num(dat$vi),
    order = I(as.integer(ord - 1L)),  # 0-based row indices in cumulative order
    model = list(estimate = res$b[1], se = res$se, tau2 = res$tau2, QE = res$QE),
    leave1out = list(
      k = I(as.integer(loo_pi[, 3])),
      estimate = num(l1o$estimate), se = num(l1o$se),
      zval = if (z_test) num(l1o$zval) else NULL,
      tval = if (z_test) NULL else num(l1o$tval),
      pval = num(l1o$pval), ci_lb = num(l1o$ci.lb), ci_ub = num(l1o$ci.ub),
      pi_lb = num(loo_pi[, 1]), pi_ub = num(loo_pi[, 2]),
      Q = num(l1o$Q), Qp = num(l1o$Qp),
      tau2 = if (fe) NULL else num(l1o$tau2),
      I2 = num(l1o$I2), H2 = num(l1o$H2)
    ),
    influence = list(
      rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits),
      cook_d = num(inf$inf$cook.d), cov_r = num(inf$inf$cov.r),
      tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
      hat = num(inf$inf$hat), weight = num(inf$inf$weight),
      dfbs = num(inf$dfbs[[1]]),
      is_infl = I(as.logical(inf$is.infl))
    ),
    cumul = list(
      k = I(as.integer(cu_pi[, 3])),
      estimate = num(cu$estimate), se = num(cu$se),
      zval = if (z_test) num(cu$zval) else NULL,
      tval = if (z_test) NULL else num(cu$tval),
      pval = num(cu$pvals), ci_lb = num(cu$ci.lb), ci_ub = num(cu$ci.ub),
      pi_lb = num(cu_pi[, 1]), pi_ub = num(cu_pi[, 2]),
      Q = num(cu$Q), Qp = num(cu$Qp),
      tau2 = if (fe) NULL else num(cu$tau2),
      I2 = num(cu$I2), H2 = num(cu$H2)
    ),
    baujat = list(x = num(bj$x), y = num(bj$y))
  )
}

cases <- list()
grid <- function(prefix, dataset, measure, dat, escalc_call, order_key, order_call) {
  for (method in methods) {
    for (ci in names(tests)) {
      id <- sprintf("%s-%s-%s", prefix, method, ci)
      cases[[length(cases) + 1L]] <<- run_case(id, dataset, measure, method, ci, dat,
                                                escalc_call, order_key, order_call)
    }
  }
}

# dat.bcg, log risk ratio; cumulative by publication year
call <- 'escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)'
dat <- eval(parse(text = call))
grid("bcg-RR", "dat.bcg", "RR", dat, call, dat.bcg$year, "dat.bcg$year")

# dat.pritz1997, logit proportion; cumulative by precision (smallest vi first)
call <- 'escalc(measure="PLO", xi=xi, ni=ni, data=dat.pritz1997)'
dat <- eval(parse(text = call))
grid("pritz1997-PLO", "dat.pritz1997", "PLO", dat, call, dat$vi, "dat$vi")

# dat.hackshaw1998, log odds ratio as given (yi, vi columns); cumulative by year
call <- "dat.hackshaw1998 (yi, vi as published in metadat)"
dat <- data.frame(yi = dat.hackshaw1998$yi, vi = dat.hackshaw1998$vi)
grid("hackshaw1998-OR", "dat.hackshaw1998", "OR", dat, call, dat.hackshaw1998$year,
     "dat.hackshaw1998$year")

# k = 3 and k = 2: the first studies of dat.bcg (log RR); cumulative in a given order
rr_call <- 'escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)'
rr <- eval(parse(text = rr_call))
grid("k3-RR", "dat.bcg[1:3]", "RR", rr[1:3, ], paste0(rr_call, "[1:3, ]"), c(3, 1, 2),
     "c(3, 1, 2)")
grid("k2-RR", "dat.bcg[1:2]", "RR", rr[1:2, ], paste0(rr_call, "[1:2, ]"), c(2, 1),
     "c(2, 1)")

# ---------------------------------------------------------------- write
meta <- list(
  generator = "tests/reference/sensitivity_reference.R",
  R_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  iterative_methods = iterative,
  n_cases = length(cases)
)
enc <- function(x) as.character(toJSON(x, auto_unbox = TRUE, digits = NA, na = "null",
                                        null = "null"))
lines <- c(
  "{",
  paste0('"meta": ', enc(meta), ","),
  '"cases": [',
  paste0(vapply(cases, enc, ""), collapse = ",\n"),
  "]",
  "}"
)
writeLines(lines, out_file)
cat(sprintf("wrote %d cases to %s\n", length(cases), out_file))
