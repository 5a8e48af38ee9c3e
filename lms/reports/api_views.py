"""(filled in by issue #8 work)"""

from lms.reports.blueprint import api_bp  # noqa: F401
