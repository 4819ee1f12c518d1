# Reference grid for synthesis/models_multilevel.py, computed with metafor 3.8.
#
# Run from the repository root:   Rscript tests/reference/multilevel_reference.R
# Writes tests/reference/multilevel_reference.json (deterministic: no random numbers).
#
# Every case is the three-level model
#     rma.mv(yi, vi, random = ~ 1 | cluster/row, method = "REML"|"ML", test = "z"|"t")
# (row = 1..k, so the inner factor cluster/row has one level per row), fitted with a
# tight nlminb control so that the optimum is converged far beyond metafor's defaults:
#     control = list(rel.tol = 1e-12, sing.tol = 1e-12, step.min = 1e-12, abs.tol = 0,
#                    iter.max = 10000, eval.max = 10000)
# (rel.tol = 1e-12 alone ends in nlminb's "false convergence" on most of these data:
# sing.tol defaults to rel.tol and step.min to 1; with the settings above every case
# converges, and its restricted log-likelihood is the highest of nlminb/bobyqa/BFGS).
# Should nlminb still fail on some case, metafor's default control is used and the case
# says so in "control".
# Each case also records the same model fitted with a second optimizer (bobyqa,
# rhoend = 1e-12) and the largest relative disagreement between the two in the
# estimate, its SE and sum(sigma2): a measure of how well converged the reference is.
#
# Recorded per case: the exact call, inputs (cluster labels, yi, vi), estimate, se,
# z/t statistic, df, p, CI, predict() PI, sigma2 with their factor names, nlevels and
# fixed flags, QE/QEp, weights() (metafor's default type = "diagonal") and
# weights(type = "rowsum"), logLik, and the multilevel I2 of
# https://www.metafor-project.org/doku.php/tips:i2_multilevel_multivariate
# (total and per level, W = diag(1/vi), P = W - W X (X'WX)^-1 X'W).
# R's warnings are recorded as text for information only (tests do not compare wording).

source(file.path("tests", "reference", "common.R"))  # run(), level_arg(), vec(), ...

out_file <- file.path("tests", "reference", "multilevel_reference.json")

tight_ctrl <- "control=list(rel.tol=1e-12, sing.tol=1e-12, step.min=1e-12, abs.tol=0, iter.max=10000, eval.max=10000)"
alt_ctrl <- "control=list(optimizer=\"bobyqa\", rhoend=1e-12, maxfun=1e5)"
tests <- c(wald = "z", hksj = "t")  # rma.mv's t test (common.R's is rma's "knha")

# evaluate an R call on `dat`, collecting warnings instead of printing them
run_call <- function(call_str, dat) {
  warns <- character(0)
  res <- withCallingHandlers(
    tryCatch(run(call_str), error = function(e) e),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  list(res = res, warnings = warns)
}

mlm_call <- function(method, test, level, ctrl, extra = "") {
  ctrl_str <- if (nzchar(ctrl)) paste0(", ", ctrl) else ""
  sprintf("rma.mv(yi, vi, random = ~ 1 | cluster/row, data=dat, method=\"%s\", test=\"%s\"%s%s%s)",
          method, test, level_arg(level), extra, ctrl_str)
}

i2_multilevel <- function(res) {
  W <- diag(1 / res$vi, nrow = res$k)
  X <- model.matrix(res)
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  vt <- (res$k - res$p) / sum(diag(P))
  list(total = 100 * sum(res$sigma2) / (sum(res$sigma2) + vt),
       levels = 100 * res$sigma2 / (sum(res$sigma2) + vt),
       typical_v = vt)
}

rel <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-8))

cases <- list()
add <- function(case) cases[[length(cases) + 1L]] <<- case

run_case <- function(id, dataset, dat, method, ci, level = 0.95, extra = "",
                     fixed = c(NA, NA), note = NULL) {
  test <- tests[[ci]]
  r_call <- mlm_call(method, test, level, tight_ctrl, extra)
  fit <- run_call(r_call, dat)
  control_used <- "tight"
  if (inherits(fit$res, "error")) {
    tight_error <- conditionMessage(fit$res)
    r_call <- mlm_call(method, test, level, "", extra)
    fit <- run_call(r_call, dat)
    control_used <- paste0("default (tight nlminb failed: ", tight_error, ")")
  }
  res <- fit$res
  if (inherits(res, "error")) stop(sprintf("%s: %s", id, conditionMessage(res)))
  alt <- run_call(mlm_call(method, test, level, alt_ctrl, extra), dat)$res
  alt_rel <- if (inherits(alt, "error")) NA else
    max(rel(alt$b[1], res$b[1]), rel(alt$se, res$se), rel(sum(alt$sigma2), sum(res$sigma2)))
  pred <- predict(res)
  i2 <- i2_multilevel(res)
  z_test <- res$test == "z"
  ll <- as.numeric(logLik(res))
  list(
    id = id,
    dataset = dataset,
    r_call = r_call,
    r_call_predict = "predict(res)",
    r_call_weights = "weights(res); weights(res, type=\"rowsum\")",
    control = control_used,
    method = method,
    ci = ci,
    level = level,
    metafor_test = res$test,
    k = res$k,
    cluster = I(as.character(dat$cluster)),
    yi = vec(dat$yi),
    vi = vec(dat$vi),
    fixed_sigma2 = vec(fixed),
    estimate = scalar(res$b[1]),
    se = scalar(res$se),
    zval = if (z_test) scalar(res$zval) else NA,
    tval = if (z_test) NA else scalar(res$zval),
    df = if (z_test) NA else scalar(res$ddf),
    pval = scalar(res$pval),
    ci_lb = scalar(res$ci.lb),
    ci_ub = scalar(res$ci.ub),
    pi_lb = scalar(pred$pi.lb),
    pi_ub = scalar(pred$pi.ub),
    sigma2 = vec(res$sigma2),
    s_names = I(as.character(res$s.names)),
    s_nlevels = I(as.integer(res$s.nlevels)),
    s_fixed = I(as.logical(res$vc.fix$sigma2)),
    QE = scalar(res$QE),
    QE_df = res$k - res$p,
    QEp = scalar(res$QEp),
    I2 = scalar(i2$total),
    I2_levels = vec(i2$levels),
    typical_v = scalar(i2$typical_v),
    weights = vec(weights(res)),
    weights_rowsum = vec(weights(res, type = "rowsum")),
    logLik = ll,
    alt_optimizer_call = mlm_call(method, test, level, alt_ctrl, extra),
    alt_optimizer_sigma2 = if (inherits(alt, "error")) NA else vec(alt$sigma2),
    alt_optimizer_max_rel_diff = alt_rel,
    r_warnings = I(unique(fit$warnings)),
    note = note
  )
}

grid <- function(prefix, dataset, dat, methods = c("REML", "ML"), cis = names(tests),
                 levels = 0.95, note = NULL) {
  for (level in levels) {
    for (method in methods) {
      for (ci in cis) {
        add(run_case(sprintf("%s-%s-%s%s", prefix, method, ci, level_suffix(level)), dataset,
                     dat, method, ci, level, note = note))
      }
    }
  }
}

mk <- function(cluster, yi, vi) data.frame(cluster = cluster, row = seq_along(yi), yi = yi, vi = vi)

# ------------------------------------------------------------- konstantopoulos2011
# the classic three-level example: schools (rows) within districts (clusters)
ko <- dat.konstantopoulos2011
ko_dat <- mk(ko$district, ko$yi, ko$vi)
grid("konstantopoulos2011", "metadat::dat.konstantopoulos2011 (cluster = district, row = school)",
     ko_dat, levels = c(0.95, 0.9))
# sigma2 for the cluster level fixed at 0: the model is rma.uni's with tau2 = sigma2_row
for (method in c("REML", "ML")) {
  add(run_case(sprintf("konstantopoulos2011-fixed-cluster0-%s-wald", method),
               "metadat::dat.konstantopoulos2011, sigma2 = c(0, NA)", ko_dat, method, "wald",
               extra = ", sigma2=c(0, NA)", fixed = c(0, NA)))
}

# ------------------------------------------------------------- bcg
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg_clusters <- ceiling(bcg$trial / 3)  # artificial: trials 1-3, 4-6, 7-9, 10-12, and 13 alone
grid("bcg-blocks3", "metadat::dat.bcg, RR, cluster = ceiling(trial / 3)",
     mk(bcg_clusters, bcg$yi, bcg$vi))
grid("bcg-alloc", "metadat::dat.bcg, RR, cluster = alloc", mk(bcg$alloc, bcg$yi, bcg$vi))
# every cluster has one row: only sigma2_1 + sigma2_2 is identified
grid("bcg-singletons", "metadat::dat.bcg, RR, cluster = trial (one row per cluster)",
     mk(bcg$trial, bcg$yi, bcg$vi),
     note = "components not separately identified; nlminb splits the sum equally")
# one cluster holding every row: metafor fixes sigma2_1 = 0 (single-level factor)
grid("bcg-onecluster", "metadat::dat.bcg, RR, one cluster for all rows",
     mk(rep("all", nrow(bcg)), bcg$yi, bcg$vi))

# ------------------------------------------------------------- proportions with arms
# a constructed single-arm review: 7 studies, 14 arms, logit proportions (escalc PLO)
arms <- data.frame(
  study = c("s1", "s1", "s2", "s2", "s2", "s3", "s4", "s4", "s5", "s6", "s6", "s6", "s7", "s7"),
  xi = c(12, 18, 5, 9, 7, 22, 30, 41, 3, 14, 20, 11, 8, 6),
  ni = c(40, 45, 30, 32, 28, 60, 80, 85, 25, 50, 52, 47, 20, 22)
)
arms <- escalc(measure = "PLO", xi = xi, ni = ni, data = arms)
grid("arms-PLO", "constructed: 7 studies, 14 arms, escalc(\"PLO\", xi, ni)",
     mk(arms$study, arms$yi, arms$vi))

# ------------------------------------------------------------- small and boundary cases
grid("k2-two-clusters", "constructed", mk(c("a", "b"), c(0.2, 0.9), c(0.04, 0.06)))
grid("k2-one-cluster", "constructed", mk(c("a", "a"), c(0.2, 0.9), c(0.04, 0.06)))
grid("k3", "constructed", mk(c("a", "a", "b"), c(0.1, 0.8, -0.4), c(0.05, 0.03, 0.08)))
grid("identical", "constructed: every yi equal",
     mk(c("a", "a", "b", "b", "c", "c"), rep(0.5, 6), c(0.05, 0.1, 0.08, 0.02, 0.04, 0.06)))
# clusters with equal means and spread rows: sigma2_cluster at the 0 boundary
grid("cluster-at-zero", "constructed: equal cluster means",
     mk(c("a", "a", "b", "b", "c", "c", "d", "d"),
        c(-1, 1, -0.9, 0.95, -1.1, 1.05, -0.8, 0.85),
        c(0.05, 0.06, 0.04, 0.05, 0.07, 0.05, 0.06, 0.04)))
# rows equal within clusters, clusters spread: sigma2_row at the 0 boundary
grid("row-at-zero", "constructed: equal rows within clusters",
     mk(c("a", "a", "b", "b", "c", "c", "d", "d", "e"),
        c(0.2, 0.21, 1.0, 1.02, -0.5, -0.49, 0.6, 0.6, 0.3),
        c(0.04, 0.05, 0.06, 0.04, 0.05, 0.08, 0.05, 0.06, 0.07)))

# one cluster, ML likelihood with two local maxima (tau2 = 0 and tau2 ~ 0.1): rma.mv
# finds the higher one, rma.uni(method = "ML") stops at 0 (its log-likelihood is lower)
grid("onecluster-bimodal", "constructed: ML likelihood with a local maximum at 0",
     mk(rep("a", 12), c(0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 2),
        c(rep(1, 8), 0.015625, 1, 1, 1)))

# ---------------------------------------------------------------- write
meta <- reference_meta(
  "tests/reference/multilevel_reference.R",
  model = "rma.mv(yi, vi, random = ~ 1 | cluster/row), row = 1..k",
  tight_control = tight_ctrl,
  alt_control = alt_ctrl,
  n_cases = length(cases)
)
write_cases(out_file, meta, list(cases = cases))
cat(sprintf("wrote %d cases to %s\n", length(cases), out_file))
