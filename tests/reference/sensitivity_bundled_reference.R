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
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

dat <- data.frame(id = c("chictr2400086092-ankl", "cityofhope2022-blina", "yoon2025-ankl",
                         "yoon2025-ankl"),
                  arm = c("all", "all", "lasp", "other"),
                  year = c(2025, 2022, 2025, 2025),
                  xi = c(5, 84, 14, 3), ni = c(6, 132, 30, 14))
dat <- escalc("PLO", xi = xi, ni = ni, data = dat)

num <- function(x) {
  x <- as.numeric(x)
  x[!is.finite(x)] <- NA
  I(x)
}
pi_or_na <- function(x) if (is.null(x)) NA_real_ else x

run_case <- function(name, method, test, order_name, order_key, order_text) {
  ctrl <- if (method %in% c("REML", "ML", "PM", "EB")) {
    ", control=list(threshold=1e-12, maxiter=10000, tol=1e-12)"
  } else ""
  tmpl <- sprintf('rma(yi, vi, data=%%s, method="%s", test="%s"%%s%s)', method, test, ctrl)
  r_call <- sprintf(tmpl, "dat", "")
  res <- eval(parse(text = r_call))
  k <- res$k
  l1o <- leave1out(res)
  inf <- influence(res)
  cu <- cumul(res, order = order_key)
  grDevices::pdf(NULL)
  bj <- baujat(res)
  grDevices::dev.off()
  loo_call <- sprintf(tmpl, "dat", ", subset=-i")
  loo <- t(vapply(seq_len(k), function(i) {
    p <- predict(eval(parse(text = loo_call)))
    c(pi_or_na(p$pi.lb), pi_or_na(p$pi.ub))
  }, numeric(2)))
  dat_o <- dat[order(order_key), ]
  cu_call <- sprintf(tmpl, "dat_o", ", subset=seq_len(i)")
  cup <- t(vapply(seq_len(k), function(i) {
    fit <- eval(parse(text = cu_call))
    p <- predict(fit)
    c(pi_or_na(p$pi.lb), pi_or_na(p$pi.ub))
  }, numeric(2)))
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
    yi = num(dat$yi), vi = num(dat$vi),
    cumul_order = I(as.integer(order(order_key) - 1L)),
    leave1out = list(
      estimate = num(l1o$estimate), se = num(l1o$se),
      stat = num(if (z) l1o$zval else l1o$tval), pval = num(l1o$pval),
      ci_lb = num(l1o$ci.lb), ci_ub = num(l1o$ci.ub), pi_lb = num(loo[, 1]),
      pi_ub = num(loo[, 2]), Q = num(l1o$Q), Qp = num(l1o$Qp), tau2 = num(l1o$tau2),
      I2 = num(l1o$I2), H2 = num(l1o$H2),
      pred = num(transf.ilogit(l1o$estimate)), pred_ci_lb = num(transf.ilogit(l1o$ci.lb)),
      pred_ci_ub = num(transf.ilogit(l1o$ci.ub)), pred_pi_lb = num(transf.ilogit(loo[, 1])),
      pred_pi_ub = num(transf.ilogit(loo[, 2]))
    ),
    influence = list(
      rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits),
      cook_d = num(inf$inf$cook.d), cov_r = num(inf$inf$cov.r),
      tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
      hat = num(inf$inf$hat), weight = num(inf$inf$weight), dfbs = num(inf$dfbs[[1]]),
      is_infl = I(as.logical(inf$is.infl))
    ),
    cumul = list(
      estimate = num(cu$estimate), se = num(cu$se),
      stat = num(if (z) cu$zval else cu$tval), pval = num(cu$pvals),
      ci_lb = num(cu$ci.lb), ci_ub = num(cu$ci.ub), pi_lb = num(cup[, 1]), pi_ub = num(cup[, 2]),
      Q = num(cu$Q), Qp = num(cu$Qp), tau2 = num(cu$tau2), I2 = num(cu$I2), H2 = num(cu$H2),
      pred = num(transf.ilogit(cu$estimate)), pred_ci_lb = num(transf.ilogit(cu$ci.lb)),
      pred_ci_ub = num(transf.ilogit(cu$ci.ub))
    ),
    baujat = list(x = num(bj$x), y = num(bj$y))
  )
}

cases <- list(
  run_case("PLO-REML-wald-year", "REML", "z", "year", dat$year, "dat$year"),
  run_case("PLO-DL-hksj-precision", "DL", "knha", "precision", dat$vi, "dat$vi"),
  run_case("PLO-PM-wald-listed", "PM", "z", "listed", seq_len(nrow(dat)), "seq_len(k)")
)
meta <- list(generator = "tests/reference/sensitivity_bundled_reference.R",
             R_version = R.version.string,
             metafor_version = as.character(packageVersion("metafor")),
             data = "studies/ ORR: xi = c(5, 84, 14, 3), ni = c(6, 132, 30, 14); escalc('PLO')")
writeLines(toJSON(list(meta = meta, cases = cases), auto_unbox = TRUE, digits = NA,
                  na = "null", null = "null", pretty = TRUE),
           file.path("tests", "reference", "sensitivity_bundled_reference.json"))
cat("wrote tests/reference/sensitivity_bundled_reference.json\n")
