# Helpers shared by the reference scripts tests/reference/*_reference.R. Each of them
# starts with
#     source(file.path("tests", "reference", "common.R"))
# so, as their headers say, they are run from the repository root:
#     Rscript tests/reference/NAME_reference.R
# Sourcing this file loads metafor (with metadat) and jsonlite and defines the helpers
# below; it computes and writes nothing (run on its own, it does nothing).

suppressPackageStartupMessages({
  library(metafor)
  library(metadat)
  library(jsonlite)
})

# ------------------------------------------------------------------ recording the call
# Evaluate a call given as a string, so that the r_call recorded is exactly what ran. By
# default it is evaluated where run() is called (the caller's local data, e.g. `dat`).
run <- function(r_call, envir = parent.frame()) eval(parse(text = r_call), envir = envir)

# ------------------------------------------------------------------ the rma grids
methods <- c("FE", "DL", "REML", "ML", "PM", "HE", "SJ", "HS", "EB")
iterative <- c("REML", "ML", "PM", "EB")
tests <- c(wald = "z", hksj = "knha")

# The control argument of an rma() call (with its leading ", "; "" for the closed-form
# estimators). Fisher scoring (REML, ML, EB) stops when the change in tau2 is below
# `threshold`; PM uses uniroot(), whose tolerance is `tol` (default
# .Machine$double.eps^0.25 ~ 1.2e-4, far too loose for a reference), so PM also gets
# tol = 1e-12. ML/REML keep the default tol because it is also the tolerance of metafor's
# ll0check, which the Python port reproduces with that value. `tol_for`: the methods
# given tol = 1e-12 (a few older scripts record other choices; their calls stay as made).
control_arg <- function(method, tol_for = "PM") {
  if (!method %in% iterative) return("")
  paste0(", control=list(threshold=1e-12, maxiter=10000",
         if (method %in% tol_for) ", tol=1e-12" else "", ")")
}

# The level argument of a call ("" at 0.95): as a proportion (rma, rma.mv) or, with
# percent = TRUE, in percent (how the bias and MH scripts write it).
level_arg <- function(level, percent = FALSE) {
  if (isTRUE(all.equal(level, 0.95))) return("")
  sprintf(", level=%s", format(if (percent) 100 * level else level))
}

# The suffix of a case id for its level: "" at 0.95, "-L90" at 0.90.
level_suffix <- function(level) {
  if (isTRUE(all.equal(level, 0.95))) "" else sprintf("-L%02d", round(100 * level))
}

# ------------------------------------------------------------------ numbers
# Values metafor reports as NA/NaN/Inf become NA (written as null); no values, NULL.
num <- function(x) {
  x <- as.numeric(x)
  if (length(x) == 0L) return(NULL)
  x[!is.finite(x)] <- NA
  x
}
# A vector that stays a JSON array even for one or no element (I()).
vec <- function(x) {
  x <- num(x)
  if (is.null(x)) x <- numeric(0)
  I(x)
}
# One number, or NA (null) when there is not exactly one.
scalar <- function(x) {
  x <- num(x)
  if (is.null(x) || length(x) != 1L) return(NA)
  x
}
# predict() of an FE model has no prediction interval.
pi_or_na <- function(x) if (is.null(x)) NA_real_ else x

# ------------------------------------------------------------------ sensitivity analyses
# Refit `call` (a model of the rows chosen by i) for i = 1..k, evaluated where
# refit_pi() is called with `i` bound, and predict() it: one row per i of the prediction
# interval and the number of studies fitted. leave1out() and cumul() have no prediction
# interval; these refits give it.
refit_pi <- function(call, k, envir = parent.frame()) {
  t(vapply(seq_len(k), function(i) {
    env <- new.env(parent = envir)
    assign("i", i, envir = env)
    fit <- suppressWarnings(run(call, env))
    p <- predict(fit)
    c(pi_or_na(p$pi.lb), pi_or_na(p$pi.ub), fit$k)
  }, numeric(3)))
}

# The per-study values of influence(res) of an rma model (inf).
influence_values <- function(inf) {
  list(
    rstudent = vec(inf$inf$rstudent), dffits = vec(inf$inf$dffits),
    cook_d = vec(inf$inf$cook.d), cov_r = vec(inf$inf$cov.r),
    tau2_del = vec(inf$inf$tau2.del), QE_del = vec(inf$inf$QE.del),
    hat = vec(inf$inf$hat), weight = vec(inf$inf$weight),
    dfbs = vec(inf$dfbs[[1]]),
    is_infl = I(as.logical(inf$is.infl))
  )
}

# ------------------------------------------------------------------ metadata
# The meta block of a reference file: the script that made it and the versions used,
# then `...`.
reference_meta <- function(generator, ..., metadat = TRUE) {
  c(list(generator = generator,
         R_version = R.version.string,
         metafor_version = as.character(packageVersion("metafor"))),
    if (metadat) list(metadat_version = as.character(packageVersion("metadat"))),
    list(...))
}

# ------------------------------------------------------------------ writing JSON
# Numbers are written with 15 significant digits (digits = NA); NA/NaN/Inf and NULL as
# null; length-1 vectors as scalars unless wrapped in I().
enc <- function(x, pretty = FALSE) {
  as.character(toJSON(x, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                      pretty = pretty))
}

# A reference file with one case per line:
#     {
#     "meta": {...},
#     "NAME": [
#     {case},
#     {case}
#     ],
#     ...
#     }
# sections: a named list of lists of cases, written in that order.
write_cases <- function(out_file, meta, sections) {
  body <- unlist(lapply(seq_along(sections), function(i) {
    c(sprintf('"%s": [', names(sections)[i]),
      paste0(vapply(sections[[i]], enc, ""), collapse = ",\n"),
      if (i == length(sections)) "]" else "],")
  }))
  writeLines(c("{", paste0('"meta": ', enc(meta), ","), body, "}"), out_file)
}

# A reference file written as one pretty-printed JSON document.
write_pretty <- function(x, out_file) writeLines(enc(x, pretty = TRUE), out_file)
