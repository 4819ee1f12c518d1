"""Models: the vectorized rma.uni core, GLMM, pooled medians and the result types."""
