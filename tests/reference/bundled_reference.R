# Reference values for the bundled review (studies/): ORR as pooled by `synth pool`.
# Run from the repository root: Rscript tests/reference/bundled_reference.R
# Data: the four ORR rows of studies/ (events/total; percents reconstructed by synth):
#   Rux-P-Gemox 5/6, City of Hope 84/132, Yoon L-ASNase 14/30, Yoon other 3/14.
source(file.path("tests", "reference", "common.R"))  # run(), write_pretty(), ...

dat <- data.frame(id = c("chictr2400086092-ankl", "cityofhope2022-blina", "yoon2025-ankl", "yoon2025-ankl"),
                  arm = c("all", "all", "lasp", "other"),
                  disease = c("ANKL", "B-ALL", "ANKL", "ANKL"),
                  xi = c(5, 84, 14, 3), ni = c(6, 132, 30, 14))
out <- list()
fit_case <- function(name, call_text, cl_call = NULL) {
  res <- run(call_text)
  pr <- predict(res, transf = transf.ilogit)
  ci <- if (!is.null(cl_call)) run(cl_call) else NULL
  list(name = name, r_call = call_text,
       r_call_predict = "predict(res, transf=transf.ilogit)",
       b = as.numeric(res$b), se = res$se, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
       pred = pr$pred, pred_ci_lb = pr$ci.lb, pred_ci_ub = pr$ci.ub,
       pi_lb = pr$pi.lb, pi_ub = pr$pi.ub,
       tau2 = res$tau2, I2 = res$I2, H2 = res$H2, QE = res$QE, QEp = res$QEp,
       tau2_ci = if (!is.null(ci)) as.numeric(ci$random[1, 2:3]) else NULL,
       weights = if (inherits(res, "rma.glmm")) NULL else as.numeric(weights(res)))
}
dat <- escalc("PLO", xi = xi, ni = ni, data = dat)
out$reml <- fit_case("PLO-REML",
                     'rma(yi, vi, data=dat, method="REML", control=list(threshold=1e-12, maxiter=10000))',
                     'confint(res, control=list(tol=1e-12))')
out$dl <- fit_case("PLO-DL", 'rma(yi, vi, data=dat, method="DL")',
                   'confint(res, control=list(tol=1e-12))')
out$glmm <- fit_case("PLO-GLMM", 'rma.glmm(measure="PLO", xi=xi, ni=ni, data=dat)')
# Subgroups by disease (R meta's test: FE meta-analysis of the subgroup estimates).
sub <- lapply(c("ANKL", "B-ALL"), function(d) {
  rma(yi, vi, data = dat, subset = disease == d, method = "REML",
      control = list(threshold = 1e-12, maxiter = 10000))
})
est <- sapply(sub, function(r) as.numeric(r$b)); ses <- sapply(sub, function(r) r$se)
between <- rma(est, sei = ses, method = "FE")
out$subgroups <- list(r_call = 'rma(yi, vi, data=dat, subset=disease==d, method="REML"); rma(est, sei=ses, method="FE")',
                      values = c("ANKL", "B-ALL"), estimates = est, ses = ses,
                      Q = between$QE, df = 1, p = between$QEp)
out$cp <- list(r_call = "binom.test(x, n)$conf.int",
               ci = lapply(seq_len(nrow(dat)), function(i) as.numeric(binom.test(dat$xi[i], dat$ni[i])$conf.int)))
write_pretty(out, "tests/reference/bundled_reference.json")
