"""Rendering: text tables, Markdown, CSV, JSON (text), summary of findings (sof), report."""
