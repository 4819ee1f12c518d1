# Reference values for `synth pool --null VALUE` (tests/test_cochrane_cli.py): the test of
# the pooled value against a stated null, on each measure's analysis scale.
#
# metafor's rma tests against 0. A test against a null value h (reporting scale) is that
# test on yi - g(h), where g is the measure's transformation (logit for PLO, asin(sqrt())
# for PFT and PAS, as R meta's metaprop(null.effect =); log for ratios; the identity
# otherwise): every tau² estimator is location-invariant, so the shift leaves tau², the SE
# and the weights as they are and moves the estimate by g(h). For rma.glmm and rma.mh,
# which take counts, the z test is written out from their b and se. The sign test of
# pooled medians is R's binom.test.
#
# Run from the repository root:   Rscript tests/reference/cochrane_cli_reference.R
# Writes tests/reference/cochrane_cli_reference.json (deterministic). Each case stores the
# exact R expression that produced it (`r_call`), evaluated from that string.

source(file.path("tests", "reference", "common.R"))  # run(), control_arg(), num(), ...

out_file <- file.path("tests", "reference", "cochrane_cli_reference.json")

# The iterative estimators are tightened as in common.R, but this script gives no method
# (not even PM) uniroot's tol = 1e-12: its calls are recorded as they were made.
ctrl <- function(method) control_arg(method, tol_for = character(0))

cases <- list()
add <- function(case) cases[[length(cases) + 1L]] <<- case

# 1. rma on shifted yi: proportions (dat.pritz1997), RR (dat.bcg), MD (dat.normand1999)
g_call <- c(PLO = "qlogis(%s)", PFT = "asin(sqrt(%s))", PAS = "asin(sqrt(%s))", PR = "%s",
            RR = "log(%s)", OR = "log(%s)", MD = "%s", SMD = "%s")
shift_case <- function(prefix, dataset, measure, escalc_call, null, inputs) {
  for (method in c("REML", "DL", "FE")) {
    for (ci in c("wald", "hksj")) {
      test <- tests[[ci]]
      shift <- sprintf(g_call[[measure]], format(null, digits = 15))
      r_call <- sprintf('rma(yi - %s, vi, data=%s, method="%s", test="%s"%s)', shift,
                        escalc_call, method, test, ctrl(method))
      res <- suppressWarnings(run(r_call))
      add(list(
        id = sprintf("%s-%s-%s-%s-null%s", prefix, measure, method, ci, format(null)),
        r_call = r_call, kind = "rma", dataset = dataset, measure = measure, method = method,
        ci = ci, null = null, inputs = inputs, k = res$k,
        estimate_shifted = num(res$b[1]), se = num(res$se),
        statistic = num(res$zval), df = if (test == "z") NA else num(res$ddf),
        pval = num(res$pval), tau2 = num(res$tau2)
      ))
    }
  }
}

pritz <- dat.pritz1997
for (measure in c("PLO", "PFT", "PAS", "PR")) {
  shift_case("pritz1997", "dat.pritz1997", measure,
             sprintf('escalc(measure="%s", xi=xi, ni=ni, data=dat.pritz1997)', measure), 0.7,
             list(xi = pritz$xi, ni = pritz$ni))
}
bcg <- dat.bcg
shift_case("bcg", "dat.bcg", "RR",
           'escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)', 0.8,
           list(ai = bcg$tpos, n1i = bcg$tpos + bcg$tneg, ci = bcg$cpos,
                n2i = bcg$cpos + bcg$cneg))
normand <- dat.normand1999
normand_inputs <- list(m1i = normand$m1i, sd1i = normand$sd1i, n1i = normand$n1i,
                       m2i = normand$m2i, sd2i = normand$sd2i, n2i = normand$n2i)
shift_case("normand1999", "dat.normand1999", "MD",
           paste0('escalc(measure="MD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, ',
                  'n2i=n2i, data=dat.normand1999)'), -5, normand_inputs)
shift_case("normand1999", "dat.normand1999", "SMD",
           paste0('escalc(measure="SMD", m1i=m1i, sd1i=sd1i, n1i=n1i, m2i=m2i, sd2i=sd2i, ',
                  'n2i=n2i, data=dat.normand1999)'), -0.2, normand_inputs)

# 2. z tests written out from rma.glmm (PLO) and rma.mh / rma.peto (counts)
zcase <- function(id, kind, dataset, measure, method, fit_call, g, null, inputs) {
  r_call <- sprintf(paste0("with(%s, c(b = as.numeric(b), se = as.numeric(se), ",
                           "z = as.numeric((b - %s) / se), ",
                           "p = as.numeric(2 * pnorm(-abs((b - %s) / se)))))"),
                    fit_call, g, g)
  v <- suppressWarnings(run(r_call))
  add(list(id = id, r_call = r_call, kind = kind, dataset = dataset, measure = measure,
           method = method, ci = "wald", null = null, inputs = inputs,
           estimate = num(v[["b"]]), se = num(v[["se"]]), statistic = num(v[["z"]]), df = NA,
           pval = num(v[["p"]])))
}
zcase("pritz1997-PLO-GLMM-null0.7", "glmm", "dat.pritz1997", "PLO", "GLMM",
      'rma.glmm(measure="PLO", xi=xi, ni=ni, data=dat.pritz1997)', "qlogis(0.7)", 0.7,
      list(xi = pritz$xi, ni = pritz$ni))
mh_inputs <- list(ai = bcg$tpos, n1i = bcg$tpos + bcg$tneg, ci = bcg$cpos,
                  n2i = bcg$cpos + bcg$cneg)
zcase("bcg-RR-MH-null0.8", "mh", "dat.bcg", "RR", "MH",
      'rma.mh(ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg, measure="RR")', "log(0.8)",
      0.8, mh_inputs)
zcase("bcg-OR-PETO-null0.8", "mh", "dat.bcg", "OR", "PETO",
      "rma.peto(ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)", "log(0.8)", 0.8,
      mh_inputs)
zcase("bcg-RD-MH-null-0.01", "mh", "dat.bcg", "RD", "MH",
      'rma.mh(ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg, measure="RD")', "(-0.01)",
      -0.01, mh_inputs)

# 3. the sign test of study medians (synth pool --measure MED --null VALUE)
medians <- c(11.0, 1.6, 8.2, 14.5, 9.9, 12.0, 20.3)
ns <- c(72, 51, 40, 33, 60, 25, 18)
for (null in c(10, 12, 30)) {
  r_call <- sprintf("binom.test(sum(x > %s), sum(x != %s))$p.value", null, null)
  x <- medians
  add(list(id = sprintf("medians-sign-null%s", null), r_call = r_call, kind = "sign",
           dataset = "hand (x = study medians in months)", measure = "MED", method = "WM",
           ci = "wald", null = null, inputs = list(median = medians, n = ns),
           statistic = sum(medians > null), df = NA, pval = num(run(r_call))))
}

meta <- reference_meta(
  "tests/reference/cochrane_cli_reference.R",
  null_transform = "PLO qlogis; PFT, PAS asin(sqrt()) (R meta metaprop null.effect); RR/OR log",
  n_cases = length(cases)
)
write_cases(out_file, meta, list(cases = cases))
cat(sprintf("wrote %d cases to %s\n", length(cases), out_file))
