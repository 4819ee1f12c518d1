"""Analyses built on the pooling core: sensitivity, influence and small-study checks."""
