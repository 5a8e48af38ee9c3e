"""(filled in by issue #8 work)"""

from lms.reports.blueprint import bp  # noqa: F401
