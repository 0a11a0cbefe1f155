"""Data in: the codebook, the export readers, loading and cleaning a survey, the data check, the demo data.

Nothing here computes a statistic or writes report text; every refusal is a
:class:`~clientvalue.errors.CodebookError` or :class:`~clientvalue.errors.DataError` that names the
file, the column, the offending values and what to do.
"""
