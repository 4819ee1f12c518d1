"""Analyses built on the pooled model: small-study effects and publication bias."""
