# Reference values for `synth sensitivity --outcome ORR` on the bundled review (studies/).
#
# Run from the repository root:   Rscript tests/reference/sensitivity_bundled_reference.R
# Writes tests/reference/sensitivity_bundled_reference.json (deterministic).
#
# Data: the four ORR rows of studies/ in the order synth lists them (events/total; the
# percents are reconstructed by synth): Rux-P-Gemox 5/6 (2025), City of Hope 84/132
# (2022), Yoon L-ASNase 14/30 (2025), Yoon other 3/14 (2025). Every case records its R
# calls; leave1out() and cumul() have no prediction interval, so each reduced and each
# cumulative model is refitted and predict()ed for it. Reporting-scale values use
# transf.ilogit, as `synth` back-transforms PLO.
source(file.path("tests", "reference", "common.R"))  # run(), refit_pi(), vec(), ...

dat <- data.frame(id = c("chictr2400086092-ankl", "cityofhope2022-blina", "yoon2025-ankl",
                         "yoon2025-ankl"),
                  arm = c("all", "all", "lasp", "other"),
                  year = c(2025, 2022, 2025, 2025),
                  xi = c(5, 84, 14, 3), ni = c(6, 132, 30, 14))
dat <- escalc("PLO", xi = xi, ni = ni, data = dat)

run_case <- function(name, method, test, order_name, order_key, order_text) {
  # (this script gives every iterative estimator uniroot's tol = 1e-12, not only PM)
  ctrl <- control_arg(method, tol_for = iterative)
  tmpl <- sprintf('rma(yi, vi, data=%%s, method="%s", test="%s"%%s%s)', method, test, ctrl)
  r_call <- sprintf(tmpl, "dat", "")
  res <- run(r_call)
  k <- res$k
  l1o <- leave1out(res)
  inf <- influence(res)
  cu <- cumul(res, order = order_key)
  grDevices::pdf(NULL)
  bj <- baujat(res)
  grDevices::dev.off()
  loo_call <- sprintf(tmpl, "dat", ", subset=-i")
  loo <- refit_pi(loo_call, k)
  dat_o <- dat[order(order_key), ]
  cu_call <- sprintf(tmpl, "dat_o", ", subset=seq_len(i)")
  cup <- refit_pi(cu_call, k)
  z <- res$test == "z"
  list(
    name = name, method = method, ci = if (z) "wald" else "hksj", order = order_name,
    r_calls = list(rma = paste0("res <- ", r_call), leave1out = "leave1out(res)",
                   leave1out_predict = sprintf("for (i in 1:k) predict(%s)", loo_call),
                   influence = "influence(res)",
                   cumul = sprintf("cumul(res, order=%s)", order_text),
                   cumul_predict = sprintf("dat_o <- dat[order(%s), ]; for (i in 1:k) predict(%s)",
                                           order_text, cu_call),
                   baujat = "baujat(res)", transf = "transf.ilogit"),
    yi = vec(dat$yi), vi = vec(dat$vi),
    cumul_order = I(as.integer(order(order_key) - 1L)),
    leave1out = list(
      estimate = vec(l1o$estimate), se = vec(l1o$se),
      stat = vec(if (z) l1o$zval else l1o$tval), pval = vec(l1o$pval),
      ci_lb = vec(l1o$ci.lb), ci_ub = vec(l1o$ci.ub), pi_lb = vec(loo[, 1]),
      pi_ub = vec(loo[, 2]), Q = vec(l1o$Q), Qp = vec(l1o$Qp), tau2 = vec(l1o$tau2),
      I2 = vec(l1o$I2), H2 = vec(l1o$H2),
      pred = vec(transf.ilogit(l1o$estimate)), pred_ci_lb = vec(transf.ilogit(l1o$ci.lb)),
      pred_ci_ub = vec(transf.ilogit(l1o$ci.ub)), pred_pi_lb = vec(transf.ilogit(loo[, 1])),
      pred_pi_ub = vec(transf.ilogit(loo[, 2]))
    ),
    influence = influence_values(inf),
    cumul = list(
      estimate = vec(cu$estimate), se = vec(cu$se),
      stat = vec(if (z) cu$zval else cu$tval), pval = vec(cu$pvals),
      ci_lb = vec(cu$ci.lb), ci_ub = vec(cu$ci.ub), pi_lb = vec(cup[, 1]), pi_ub = vec(cup[, 2]),
      Q = vec(cu$Q), Qp = vec(cu$Qp), tau2 = vec(cu$tau2), I2 = vec(cu$I2), H2 = vec(cu$H2),
      pred = vec(transf.ilogit(cu$estimate)), pred_ci_lb = vec(transf.ilogit(cu$ci.lb)),
      pred_ci_ub = vec(transf.ilogit(cu$ci.ub))
    ),
    baujat = list(x = vec(bj$x), y = vec(bj$y))
  )
}

cases <- list(
  run_case("PLO-REML-wald-year", "REML", "z", "year", dat$year, "dat$year"),
  run_case("PLO-DL-hksj-precision", "DL", "knha", "precision", dat$vi, "dat$vi"),
  run_case("PLO-PM-wald-listed", "PM", "z", "listed", seq_len(nrow(dat)), "seq_len(k)")
)
meta <- reference_meta(
  "tests/reference/sensitivity_bundled_reference.R", metadat = FALSE,
  data = "studies/ ORR: xi = c(5, 84, 14, 3), ni = c(6, 132, 30, 14); escalc('PLO')"
)
write_pretty(list(meta = meta, cases = cases),
             file.path("tests", "reference", "sensitivity_bundled_reference.json"))
cat("wrote tests/reference/sensitivity_bundled_reference.json\n")
