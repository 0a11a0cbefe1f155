"""Statistics: pure numerics on arrays and tidy DataFrames, no report text, no suppression.

These are the functions the tests compare with R, published values and closed forms:
LMG and relative weights with their bootstrap (:mod:`.importance`, :mod:`.lmg`), measurement
(alpha, EFA), the ordinal model, importance-performance and penalty-reward (:mod:`.ipa`),
intervals (Wilson), and the senior self-identification shares and curve.
"""
