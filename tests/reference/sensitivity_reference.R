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

source(file.path("tests", "reference", "common.R"))  # run(), control_arg(), vec(), ...

out_file <- file.path("tests", "reference", "sensitivity_reference.json")

# The control settings of common.R (as in rma_reference.R): leave1out(), influence(),
# cumul() and baujat() refit with the model's own control list.
rma_str <- function(method, ci, extra = "") {
  sprintf('rma(yi, vi, data=%s, method="%s", test="%s"%s)', "%s", method, tests[[ci]],
          paste0(extra, control_arg(method)))
}

run_case <- function(id, dataset, measure, method, ci, dat, escalc_call, order_key,
                     order_call) {
  tmpl <- rma_str(method, ci)
  r_call <- sprintf(tmpl, "dat")
  res <- suppressWarnings(run(r_call))
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
  loo_pi <- refit_pi(loo_call, k)
  # cumulative models (cumul() sorts with order(order_key), a stable sort)
  ord <- order(order_key)
  dat_o <- dat[ord, ]
  cu_tmpl <- rma_str(method, ci, ", subset=seq_len(i)")
  cu_fit_call <- sprintf(cu_tmpl, "dat_o")
  cu_pi <- refit_pi(cu_fit_call, k)

  fe <- method == "FE"
  # one value per reduced (leave1out) or cumulative (cumul) model; pis: from refit_pi()
  series <- function(x, pval, pis) {
    list(
      k = I(as.integer(pis[, 3])),
      estimate = vec(x$estimate), se = vec(x$se),
      zval = if (z_test) vec(x$zval) else NULL,
      tval = if (z_test) NULL else vec(x$tval),
      pval = vec(pval), ci_lb = vec(x$ci.lb), ci_ub = vec(x$ci.ub),
      pi_lb = vec(pis[, 1]), pi_ub = vec(pis[, 2]),
      Q = vec(x$Q), Qp = vec(x$Qp),
      tau2 = if (fe) NULL else vec(x$tau2),
      I2 = vec(x$I2), H2 = vec(x$H2)
    )
  }
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
    yi = vec(dat$yi),
    vi = vec(dat$vi),
    order = I(as.integer(ord - 1L)),  # 0-based row indices in cumulative order
    model = list(estimate = res$b[1], se = res$se, tau2 = res$tau2, QE = res$QE),
    leave1out = series(l1o, l1o$pval, loo_pi),
    influence = influence_values(inf),
    cumul = series(cu, cu$pvals, cu_pi),
    baujat = list(x = vec(bj$x), y = vec(bj$y))
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
dat <- run(call)
grid("bcg-RR", "dat.bcg", "RR", dat, call, dat.bcg$year, "dat.bcg$year")

# dat.pritz1997, logit proportion; cumulative by precision (smallest vi first)
call <- 'escalc(measure="PLO", xi=xi, ni=ni, data=dat.pritz1997)'
dat <- run(call)
grid("pritz1997-PLO", "dat.pritz1997", "PLO", dat, call, dat$vi, "dat$vi")

# dat.hackshaw1998, log odds ratio as given (yi, vi columns); cumulative by year
call <- "dat.hackshaw1998 (yi, vi as published in metadat)"
dat <- data.frame(yi = dat.hackshaw1998$yi, vi = dat.hackshaw1998$vi)
grid("hackshaw1998-OR", "dat.hackshaw1998", "OR", dat, call, dat.hackshaw1998$year,
     "dat.hackshaw1998$year")

# k = 3 and k = 2: the first studies of dat.bcg (log RR); cumulative in a given order
rr_call <- 'escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)'
rr <- run(rr_call)
grid("k3-RR", "dat.bcg[1:3]", "RR", rr[1:3, ], paste0(rr_call, "[1:3, ]"), c(3, 1, 2),
     "c(3, 1, 2)")
grid("k2-RR", "dat.bcg[1:2]", "RR", rr[1:2, ], paste0(rr_call, "[1:2, ]"), c(2, 1),
     "c(2, 1)")

# ---------------------------------------------------------------- write
meta <- reference_meta("tests/reference/sensitivity_reference.R", iterative_methods = iterative,
                       n_cases = length(cases))
write_cases(out_file, meta, list(cases = cases))
cat(sprintf("wrote %d cases to %s\n", length(cases), out_file))
