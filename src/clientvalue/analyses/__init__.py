"""Analyses: one module per notebook.

Each module's ``analyse(survey, ...)`` runs the statistics per reported group, applies the
minimum group size and returns a result object of tidy tables plus language-free findings.
No plotting and no formatting happens here; the report layer (report/) words and draws the results.
"""
