# Reference values for tests/test_formats.py: what metafor 3.8 says about a Q-profile
# CI of tau^2 whose bound lies beyond the search limit, and about a GLMM on extreme data.
#
# Run from the repository root:
#     Rscript tests/reference/formats_reference.R
# Writes tests/reference/formats_reference.json.
#
# confint.rma.uni(type = "QP") searches tau^2 in [0, tau2.max], tau2.max =
# max(100, 10 * tau2); a bound beyond it is reported as tau2.max with the sign ">"
# (lb.sign / ub.sign), and print() shows ">100". Each case records the R call, the
# numbers, the signs and the printed tau^2 line.

source(file.path("tests", "reference", "common.R"))  # run(), write_pretty(), ...

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
alternate <- bcg[bcg$alloc == "alternate", ]

cases <- list(
  list(id = "qpcap-REML", yi = c(-20, 0, 25), vi = c(1, 2, 1.5), method = "REML",
       data = "yi = c(-20, 0, 25), vi = c(1, 2, 1.5)"),
  list(id = "qpcap-DL", yi = c(-20, 0, 25), vi = c(1, 2, 1.5), method = "DL",
       data = "yi = c(-20, 0, 25), vi = c(1, 2, 1.5)"),
  list(id = "bcg-alternate-DL", yi = as.numeric(alternate$yi), vi = as.numeric(alternate$vi),
       method = "DL", data = "escalc(\"RR\", ...) of dat.bcg[alloc == \"alternate\", ] (k = 2)"),
  list(id = "both-beyond-HS", yi = c(0, 50, 100), vi = c(1e-4, 1, 1), method = "HS",
       data = "yi = c(0, 50, 100), vi = c(1e-4, 1, 1)"),
  list(id = "bcg-REML", yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), method = "REML",
       data = "escalc(\"RR\", ...) of dat.bcg (k = 13)")
)

out <- list(metafor_version = as.character(packageVersion("metafor")), cases = list())
for (case in cases) {
  call <- sprintf('confint(rma(yi, vi, method = "%s"), control = list(tol = 1e-12))', case$method)
  res <- rma(case$yi, case$vi, method = case$method)
  cf <- confint(res, control = list(tol = 1e-12))  # uniroot to 1e-12, as rma_reference.R
  printed <- capture.output(print(cf))
  line <- printed[grepl("^tau\\^2", printed)]
  out$cases[[length(out$cases) + 1]] <- list(
    id = case$id, data = case$data, r_call = call,
    yi = case$yi, vi = case$vi, method = case$method,
    tau2 = res$tau2,
    tau2_ci_lb = unname(cf$random["tau^2", "ci.lb"]),
    tau2_ci_ub = unname(cf$random["tau^2", "ci.ub"]),
    lb_sign = cf$lb.sign, ub_sign = cf$ub.sign,
    printed = trimws(line)
  )
}

# GLMM on extreme counts: lme4 (hence metafor) stops at once.
glmm_call <- 'rma.glmm(measure = "PLO", xi = c(1, 999999999), ni = c(1e9, 1e9))'
t0 <- proc.time()[["elapsed"]]
err <- tryCatch({run(glmm_call); NA}, error = function(e) conditionMessage(e))
out$glmm_extreme <- list(r_call = glmm_call, error = err,
                         seconds = round(proc.time()[["elapsed"]] - t0, 2))
glmm_zero <- 'rma.glmm(measure = "PLO", xi = c(0, 0, 0), ni = c(5, 6, 7))'
err <- tryCatch({run(glmm_zero); NA}, error = function(e) conditionMessage(e))
out$glmm_all_zero <- list(r_call = glmm_zero, error = err)

write_pretty(out, "tests/reference/formats_reference.json")
