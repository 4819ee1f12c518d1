# Reference values for synth grade on made-up reviews (tests/test_grade_cli.py), computed
# with metafor: the pooled risk ratio and the small-study tests GRADE reads.
#
# Run from the repository root:   Rscript tests/reference/grade_reference.R
# Writes tests/reference/grade_reference.json (deterministic: no random numbers).
# Every entry records the exact R calls.

source(file.path("tests", "reference", "common.R"))  # reference_meta(), write_pretty()

out_file <- file.path("tests", "reference", "grade_reference.json")

case <- function(id, ai, n1i, ci, n2i) {
  dat <- escalc("RR", ai = ai, n1i = n1i, ci = ci, n2i = n2i)
  res <- rma(yi, vi, data = dat, method = "REML")
  pred <- predict(res, transf = exp)
  eg <- regtest(res, model = "lm", predictor = "sei")
  rk <- ranktest(res)
  list(
    id = id,
    ai = ai, n1i = n1i, ci = ci, n2i = n2i,
    calls = c(
      sprintf("dat <- escalc(\"RR\", ai = c(%s), n1i = c(%s), ci = c(%s), n2i = c(%s))",
              toString(ai), toString(n1i), toString(ci), toString(n2i)),
      "res <- rma(yi, vi, data = dat, method = \"REML\")",
      "predict(res, transf = exp)",
      "regtest(res, model = \"lm\", predictor = \"sei\")",
      "ranktest(res)"
    ),
    estimate = unname(pred$pred), ci_low = unname(pred$ci.lb), ci_high = unname(pred$ci.ub),
    I2 = res$I2, tau2 = res$tau2,
    egger_p = eg$pval, rank_p = rk$pval
  )
}

n <- c(20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 400)
cases <- list(
  case("small-study-effects",
       ai = c(3, 7, 4, 10, 9, 16, 17, 28, 36, 51, 81, 110), n1i = n,
       ci = c(6, 8, 9, 12, 15, 18, 24, 30, 45, 60, 90, 120), n2i = n)
)

meta <- reference_meta("tests/reference/grade_reference.R", metadat = FALSE)
write_pretty(list(meta = meta, cases = cases), out_file)
