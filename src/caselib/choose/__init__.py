"""Choose: 择优 — deciding which cases go upward.

Reviews against the rubric, the explained score and selection under quotas (``scoring`` is the
pure core, ``ranking`` loads it from the library), shortlists, expert review through
Excel (``sheets`` writes the scoring sheets, ``sheet_import`` reads them back, ``summary`` makes
the 汇总表), reports and adoptions (``tracking``), and statistics.
"""
