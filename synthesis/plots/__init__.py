"""Plots: forest plots and the axis and text pieces they share (matplotlib, imported lazily)."""
