"""The secretariat's corrective and follow-up work: reforming the unit tree (move,
rename, merge), corrections with a trail, registration coverage and account imports.

A package of its own because it reaches into several others (appraisal's councils, the
registry's exemplars, accounts), which the admin package, imported by them, may not.
"""
