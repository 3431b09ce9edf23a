"""Choose: 择优 — deciding which cases go upward.

Reviews against the rubric, the explained score and selection under quotas (``scoring`` is the
pure core, ``ranking`` loads it from the library), shortlists, reports and adoptions
(``tracking``), and statistics.
"""
