# Reference grid for synthesis/models_regression.py (meta-regression), computed with metafor.
#
# Run from the repository root:   Rscript tests/reference/regression_reference.R
# Writes tests/reference/regression_reference.json.  Deterministic: the only random
# numbers are those of the approximate permutation tests, under set.seed() given in the
# recorded call (those p values are compared by distribution, never digit for digit).
#
# Every case records the exact R calls (escalc, rma, permutest), the input data with every
# moderator column as it was before NA removal, the model matrix metafor used, and
# metafor's outputs.  Values metafor does not give (R2 for an intercept-only model, df2
# for a z test) are null.

source(file.path("tests", "reference", "common.R"))  # run(), control_arg(), vec(), ...

out_file <- file.path("tests", "reference", "regression_reference.json")

# The tight control of common.R for the iterative estimators; R2 refits the
# intercept-only model with the same control, so it is tight as well.

column <- function(x) if (is.numeric(x)) I(x) else I(as.character(x))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg_escalc <- 'dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)'
dat <- bcg  # the name the recorded calls use

cases <- list()
add <- function(case) cases[[length(cases) + 1L]] <<- case

# mods_str: the right-hand side of mods (NULL = intercept only); columns: the moderator
# columns as synth sees them (names are synth's moderator names); factors: those coded
# as categorical (R: factor()).
run_case <- function(id, dataset, dat, data_str, escalc_call, mods_str, columns, factors,
                     method, ci) {
  mods_arg <- if (is.null(mods_str)) "" else sprintf(", mods=%s", mods_str)
  r_call <- sprintf('rma(yi, vi%s, data=%s, method="%s", test="%s"%s)', mods_arg, data_str,
                    method, tests[[ci]], control_arg(method))
  res <- suppressWarnings(run(r_call))
  knha <- res$test != "z"
  list(
    id = id,
    r_call = r_call,
    escalc_call = escalc_call,
    dataset = dataset,
    method = method,
    ci = ci,
    level = 0.95,
    mods = if (is.null(mods_str)) NA else mods_str,
    columns = lapply(columns, column),
    factors = I(factors),
    yi_all = vec(dat$yi),
    vi_all = vec(dat$vi),
    not_na = I(as.logical(res$not.na)),
    k = res$k,
    p = res$p,
    metafor_test = res$test,
    yi = vec(res$yi),
    vi = vec(res$vi),
    X = lapply(seq_len(ncol(res$X)), function(j) vec(res$X[, j])),
    X_names = I(colnames(res$X)),
    b = vec(res$beta),
    se = vec(res$se),
    zval = if (knha) NA else vec(res$zval),
    tval = if (knha) vec(res$zval) else NA,
    df = if (knha) scalar(res$ddf) else NA,
    pval = vec(res$pval),
    ci_lb = vec(res$ci.lb),
    ci_ub = vec(res$ci.ub),
    QM = scalar(res$QM),
    QM_df = scalar(res$QMdf[1]),
    QM_df2 = scalar(res$QMdf[2]),
    QMp = scalar(res$QMp),
    btt = I(res$btt),
    tau2 = scalar(res$tau2),
    I2 = scalar(res$I2),
    H2 = scalar(res$H2),
    QE = scalar(res$QE),
    QE_df = res$k - res$p,
    QEp = scalar(res$QEp),
    R2 = if (is.null(res$R2)) NA else scalar(res$R2),
    fitted = vec(fitted(res)),
    residuals = vec(resid(res))
  )
}

grid <- function(prefix, dataset, dat, data_str, escalc_call, mods_str, columns, factors) {
  for (method in methods) {
    for (ci in names(tests)) {
      add(run_case(sprintf("%s-%s-%s", prefix, method, ci), dataset, dat, data_str,
                   escalc_call, mods_str, columns, factors, method, ci))
    }
  }
}

# ---------------------------------------------------------------- dat.bcg, log RR
bcg_cols <- list(ablat = bcg$ablat, year = bcg$year, alloc = bcg$alloc)
grid("bcg-intercept", "dat.bcg", bcg, "dat", bcg_escalc, NULL, list(), character(0))
grid("bcg-ablat", "dat.bcg", bcg, "dat", bcg_escalc, "~ ablat", bcg_cols["ablat"],
     character(0))
grid("bcg-ablat-year", "dat.bcg", bcg, "dat", bcg_escalc, "~ ablat + year",
     bcg_cols[c("ablat", "year")], character(0))
grid("bcg-alloc", "dat.bcg", bcg, "dat", bcg_escalc, "~ factor(alloc)", bcg_cols["alloc"],
     "alloc")
grid("bcg-ablat-alloc", "dat.bcg", bcg, "dat", bcg_escalc, "~ ablat + factor(alloc)",
     bcg_cols[c("ablat", "alloc")], "alloc")
# a moderator that explains nothing: tau2 with it exceeds tau2 without, R2 truncated to 0
grid("bcg-noise", "dat.bcg", bcg, "dat", bcg_escalc, "~ I(trial %% 3)",
     list(noise = bcg$trial %% 3), character(0))
# small k: k = 4, p = 2
bcg4 <- bcg[1:4, ]
grid("bcg4-ablat", "dat.bcg[1:4]", bcg4, "dat[1:4, ]", bcg_escalc, "~ ablat",
     list(ablat = bcg4$ablat), character(0))

# ---------------------------------------------------------------- dat.bangertdrowns2004
# SMDs as published; length has 2 missing values (rows dropped by metafor and by synth);
# grade is numeric but coded as a factor (factor(grade): levels 1 < 2 < 3 < 4).
bd <- dat.bangertdrowns2004
grid("bangertdrowns-length-grade", "dat.bangertdrowns2004", bd, "dat.bangertdrowns2004",
     "dat.bangertdrowns2004 (yi, vi as published in metadat)",
     "~ length + factor(grade) + meta",
     list(length = bd$length, grade = bd$grade, meta = bd$meta), "grade")

# ---------------------------------------------------------------- permutation tests
perms <- list()
run_perm <- function(id, base_id, dat_str, mods_str, method, ci, exact_arg, seed = NA) {
  mods_arg <- if (is.null(mods_str)) "" else sprintf(", mods=%s", mods_str)
  r_call <- sprintf('res <- rma(yi, vi%s, data=%s, method="%s", test="%s"%s)', mods_arg,
                    dat_str, method, tests[[ci]], control_arg(method))
  run(r_call)
  perm_call <- sprintf("permutest(res, %s, progbar=FALSE)", exact_arg)
  if (!is.na(seed)) perm_call <- sprintf("set.seed(%d); %s", seed, perm_call)
  pt <- suppressWarnings(run(perm_call))
  list(
    id = id, r_call = r_call, r_call_permutest = perm_call, method = method, ci = ci,
    mods = if (is.null(mods_str)) NA else mods_str,
    k = res$k, yi = vec(res$yi), vi = vec(res$vi),
    X = lapply(seq_len(ncol(res$X)), function(j) vec(res$X[, j])),
    X_names = I(colnames(res$X)),
    exact_iter = scalar(pt$exact.iter),
    exact = exact_arg,
    n_perm = if (grepl("exact=TRUE", exact_arg)) scalar(pt$exact.iter) else
      length(pt$QM.perm),
    pval = vec(pt$pval), QMp = scalar(pt$QMp),
    zval = vec(res$zval), QM = scalar(res$QM)
  )
}
addp <- function(x) perms[[length(perms) + 1L]] <<- x
for (mc in list(c("REML", "wald"), c("REML", "hksj"), c("DL", "wald"), c("FE", "wald"),
                c("PM", "hksj"))) {
  m <- mc[1]
  ci <- mc[2]
  addp(run_perm(sprintf("exact-bcg6-ablat-%s-%s", m, ci), "bcg6", "dat[1:6, ]", "~ ablat",
                m, ci, "exact=TRUE"))
  addp(run_perm(sprintf("exact-bcg8-intercept-%s-%s", m, ci), "bcg8", "dat[1:8, ]", NULL,
                m, ci, "exact=TRUE"))
  addp(run_perm(sprintf("exact-bcg8-alloc-%s-%s", m, ci), "bcg8", "dat[1:8, ]",
                "~ factor(alloc)", m, ci, "exact=TRUE"))
}
addp(run_perm("exact-bcg7-ablat-alloc-REML-wald", "bcg7", "dat[1:7, ]",
              "~ ablat + factor(alloc)", "REML", "wald", "exact=TRUE"))
# exact.iter (the count of distinct arrangements) where exact is not used (iter=2 keeps
# these calls short; the p values of those 2 iterations are not recorded as reference)
for (spec in list(list("count-bcg-ablat", "~ ablat"), list("count-bcg-alloc", "~ factor(alloc)"),
                  list("count-bcg-intercept", NULL),
                  list("count-bcg-ablat-alloc", "~ ablat + factor(alloc)"))) {
  x <- run_perm(spec[[1]], "bcg", "dat", spec[[2]], "DL", "wald", "iter=2", seed = 1L)
  x$pval <- NA
  x$QMp <- NA
  x$n_perm <- NA
  addp(x)
}
# approximate tests, 1000 random permutations: compared by distribution only
addp(run_perm("random-bcg-ablat-REML-wald", "bcg", "dat", "~ ablat", "REML", "wald",
              "iter=1000", seed = 20250101L))
addp(run_perm("random-bcg-intercept-REML-wald", "bcg", "dat", NULL, "REML", "wald",
              "iter=1000", seed = 20250102L))
addp(run_perm("random-bcg-ablat-year-DL-hksj", "bcg", "dat", "~ ablat + year", "DL", "hksj",
              "iter=1000", seed = 20250103L))

# ---------------------------------------------------------------- write
meta <- reference_meta(
  "tests/reference/regression_reference.R",
  iterative_methods = iterative,
  n_cases = length(cases),
  n_permutation_tests = length(perms),
  permutest_comptol = .Machine$double.eps^0.5
)
write_cases(out_file, meta, list(cases = cases, permutation_tests = perms))
cat(sprintf("wrote %d cases and %d permutation tests to %s\n", length(cases), length(perms),
            out_file))
