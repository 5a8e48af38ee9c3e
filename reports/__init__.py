"""HR reporting: the certification dashboard, heat maps, exports, review packs, the audit log
screen and the read-only /api/v1 (the top layer: it may import every other package).

Every report reads the same per-person rows (`reports.services.rows`), built in a constant number
of queries and limited to the people the reader may see (`lms.core.policy.visible_people_filter`),
so pages, exports, PDFs and the API cannot disagree about who is shown.
"""

from flask import Flask

from lms.core.extensions import csrf
from lms.core.policy import register_all
from reports import blueprint, cli
from reports import policy as reports_policy
from reports.services import (
    totals,
    xapi_listeners,  # noqa: F401  (xAPI statements from signals)
)


def init_app(app: Flask) -> None:
    """Register the package's pages, commands and permissions."""
    app.register_blueprint(blueprint.bp)
    # The read API authenticates by bearer token, never by cookie: CSRF does not apply.
    csrf.exempt(blueprint.api_bp)
    app.register_blueprint(blueprint.api_bp)
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    register_all(reports_policy.RULES)
    totals.follow_writes()
