"""HR reporting: the certification dashboard, heat maps, exports, review packs, the audit log
screen and the read-only /api/v1 (the top layer: it may import every other package).

Every report reads the same per-person rows (`reports.rows`), built in a constant number
of queries and limited to the people the reader may see (`lms.core.policy.visible_people_filter`),
so pages, exports, PDFs and the API cannot disagree about who is shown.
"""
