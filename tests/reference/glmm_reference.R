# Reference values for synthesis.glmm (metafor rma.glmm, measure = "PLO").
#
# Run from the repository root:
#     Rscript tests/reference/glmm_reference.R
# Writes tests/reference/glmm_reference.json.
#
# For every data set two fits are recorded:
#   * "tight": the reference the tests compare against.  metafor defaults
#     (model UM.FS, method ML, nAGQ = 7, lme4::glmer) but with lme4's
#     optimizer tightened so the optimum is converged to ~1e-10:
#     glmerControl(optimizer = "bobyqa", tolPwrss = 1e-12,
#                  optCtrl = list(rhoend = 1e-12, maxfun = 1e5)).
#   * "default": exactly metafor's defaults (glmer's default optimizers
#     bobyqa + Nelder_Mead, tolPwrss = 1e-7).  Recorded to quantify how far
#     lme4's default stopping rules leave the optimum.
# "devfun_checks" are values of lme4's nAGQ = 7 objective (-2 log-likelihood,
# devFunOnly = TRUE, tolPwrss = 1e-12) at fixed (theta, beta) points.

source(file.path("tests", "reference", "common.R"))  # scalar(), write_pretty(), ...
suppressMessages(library(lme4))

tight_ctrl <- list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = 1e-12,
                                    optCtrl = list(rhoend = 1e-12, maxfun = 1e5)))
tight_call <- paste0(
  'rma.glmm(measure = "PLO", xi = xi, ni = ni, ',
  'control = list(glmerCtrl = list(optimizer = "bobyqa", tolPwrss = 1e-12, ',
  'optCtrl = list(rhoend = 1e-12, maxfun = 1e5))))'
)
default_call <- 'rma.glmm(measure = "PLO", xi = xi, ni = ni)'
# All-identical proportions: lme4 cannot fit the ML model ("Response is
# constant"; with check.response.not.const = "ignore" PIRLS then fails because
# its relative convergence criterion divides by a penalised deviance of 0).
# The ML solution is then tau2 = 0 and the fixed-effect binomial fit, which is
# what metafor's method = "FE" (glm) gives; that is recorded instead.
fe_call <- 'rma.glmm(measure = "PLO", xi = xi, ni = ni, method = "FE")'

datasets <- list(
  list(name = "pritz1997", source = "metadat::dat.pritz1997",
       xi = dat.pritz1997$xi, ni = dat.pritz1997$ni),
  list(name = "zero_and_all_events", source = "constructed",
       xi = c(0, 3, 10, 12, 0, 7, 25), ni = c(15, 20, 10, 30, 8, 25, 25)),
  list(name = "k2", source = "constructed", xi = c(7, 15), ni = c(20, 30)),
  list(name = "k3", source = "constructed", xi = c(4, 12, 9), ni = c(25, 40, 18)),
  list(name = "identical_proportions", source = "constructed",
       xi = c(5, 10, 15, 20), ni = c(25, 50, 75, 100)),
  list(name = "homogeneous", source = "constructed",
       xi = c(10, 12, 9, 11, 10), ni = c(50, 55, 48, 52, 50)),
  list(name = "large_heterogeneity", source = "constructed",
       xi = c(1, 30, 5, 45, 12, 60, 2), ni = c(50, 40, 60, 50, 100, 65, 80)),
  list(name = "small_counts", source = "constructed",
       xi = c(1, 0, 2, 1, 3, 0), ni = c(5, 4, 6, 3, 7, 2))
)

summarise <- function(res) {
  m <- res$res.ML
  pr <- predict(res)
  list(
    b = scalar(res$b), se = scalar(res$se), ci.lb = scalar(res$ci.lb), ci.ub = scalar(res$ci.ub),
    zval = scalar(res$zval), pval = scalar(res$pval),
    tau2 = scalar(res$tau2), I2 = scalar(res$I2), H2 = scalar(res$H2), vt = scalar(res$vt),
    QE.Wld = scalar(res$QE.Wld), QEp.Wld = scalar(res$QEp.Wld),
    QE.LRT = scalar(res$QE.LRT), QEp.LRT = scalar(res$QEp.LRT), QE.df = scalar(res$QE.df),
    pi.lb = scalar(pr$pi.lb), pi.ub = scalar(pr$pi.ub),
    theta = scalar(getME(m, "theta")), beta = scalar(fixef(m)),
    # lme4's objective at the optimum (-2 log-likelihood, = opt$fval):
    deviance_objective = scalar(-2 * as.numeric(logLik(m))),
    # deviance(glmer fit): sum of squared conditional deviance residuals
    deviance_conditional = scalar(deviance(m)),
    lme4_hessian = unname(m@optinfo$derivs$Hessian),
    yi = unname(as.numeric(res$yi)), vi = unname(as.numeric(res$vi))
  )
}

points <- list(c(0.5, 0.3), c(1.2, -0.5), c(0.05, 1.0), c(2.0, 0.0))

out <- list(
  generated_by = "tests/reference/glmm_reference.R",
  versions = list(R = R.version.string,
                  metafor = as.character(packageVersion("metafor")),
                  lme4 = as.character(packageVersion("lme4"))),
  datasets = list()
)

summarise_fe <- function(res) {
  crit <- qnorm(0.975)
  list(
    b = scalar(res$b), se = scalar(res$se), ci.lb = scalar(res$ci.lb), ci.ub = scalar(res$ci.ub),
    zval = scalar(res$zval), pval = scalar(res$pval),
    tau2 = 0, I2 = 0, H2 = 1, vt = scalar(res$vt),
    QE.Wld = scalar(res$QE.Wld), QEp.Wld = scalar(res$QEp.Wld),
    QE.LRT = scalar(res$QE.LRT), QEp.LRT = scalar(res$QEp.LRT), QE.df = scalar(res$QE.df),
    pi.lb = scalar(res$b - crit * res$se), pi.ub = scalar(res$b + crit * res$se),
    theta = 0, beta = scalar(res$b),
    # -2 log-likelihood of the nAGQ = 7 model at theta = 0 relative to the
    # saturated model = the FE binomial deviance
    deviance_objective = scalar(deviance(res$res.FE)),
    deviance_conditional = scalar(deviance(res$res.FE)),
    lme4_hessian = NA,
    yi = unname(as.numeric(res$yi)), vi = unname(as.numeric(res$vi))
  )
}

for (d in datasets) {
  xi <- d$xi
  ni <- d$ni
  message("fitting ", d$name)
  constant <- length(unique(xi / ni)) == 1
  if (constant) {
    res_t <- rma.glmm(measure = "PLO", xi = xi, ni = ni, method = "FE", retfit = TRUE)
    entry_t <- summarise_fe(res_t)
    entry_d <- NA
    r_call <- fe_call
    r_call_d <- NA
  } else {
    res_t <- rma.glmm(measure = "PLO", xi = xi, ni = ni, control = tight_ctrl, retfit = TRUE)
    res_d <- rma.glmm(measure = "PLO", xi = xi, ni = ni, retfit = TRUE)
    entry_t <- summarise(res_t)
    entry_d <- summarise(res_d)
    r_call <- tight_call
    r_call_d <- default_call
  }
  dd <- rma.glmm(measure = "PLO", xi = xi, ni = ni, retdat = TRUE)
  dat.grp <- dd$dat.grp
  X.fit <- dd$X.fit
  study <- dd$study
  ctrl <- glmerControl(tolPwrss = 1e-12, check.response.not.const = "ignore")
  # (for constant proportions even building the devfun fails in lme4's
  # nAGQ = 0 start-up step, so there are no devfun checks for that set)
  devfun <- try(lme4::glmer(dat.grp ~ -1 + X.fit + (1 | study), family = binomial, nAGQ = 7,
                            control = ctrl, devFunOnly = TRUE), silent = TRUE)
  checks <- list()
  if (inherits(devfun, "try-error")) points_here <- list() else points_here <- points
  for (p in points_here) {
    v <- try(devfun(p), silent = TRUE)
    if (!inherits(v, "try-error")) {
      checks[[length(checks) + 1]] <- list(theta = p[1], beta = p[2], dev = v)
    }
  }
  out$datasets[[length(out$datasets) + 1]] <- list(
    name = d$name, source = d$source, xi = xi, ni = ni,
    r_call = r_call,
    r_call_default = r_call_d,
    tight = entry_t,
    default = entry_d,
    devfun_checks = checks
  )
}

write_pretty(out, "tests/reference/glmm_reference.json")
cat("wrote tests/reference/glmm_reference.json\n")
