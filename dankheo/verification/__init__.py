"""Verification: replay closed rounds from their records, the public decision record,
and the secretariat's fairness measures and what-if preview."""
