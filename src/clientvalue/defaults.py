"""The defaults of every run parameter that analyses share, in one place.

``run/params.py`` (the parameter file), the ``analyse`` functions' signatures and the notebooks'
``parameters`` cells all use these values; ``tests/test_defaults.py`` checks the notebooks.
"""

from __future__ import annotations

MIN_GROUP_SIZE = 10  # groups with fewer respondents are never shown
SEED = 20261124  # seed of every random step
N_BOOT = 1000  # bootstrap replicates for intervals
AGE_THRESHOLD = 65  # the age rule compared with self-identification
AGE_THRESHOLDS = (60, 65, 67, 70, 75, 80)  # candidate age rules for the threshold table
AGE_BANDS = (18, 55, 65, 75, 85)  # lower bounds of the age bands; the last is open-ended
PROXY_THRESHOLD = 0.3  # Cramér's V from which an association with a protected attribute is flagged
N_STABILITY = 20  # bootstrap refits for segment stability
N_PERM = 199  # permutations for the p-values of the segment and fairness tests (notebook parameter only)
LANGUAGES = ("en", "nl")  # the report languages (clientvalue.report.i18n words them)
