"""Analyses: pooling with selection and subgroups, then what starts from a pooled result
(sensitivity, influence, small-study tests, meta-regression, certainty)."""
