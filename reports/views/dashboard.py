"""The certification status dashboard (thin: see rows; its downloads: views/exports.py)."""

from flask import abort, render_template, request
from flask_login import current_user

from lms.core import clock
from lms.core.extensions import db
from lms.core.policy import require
from lms.people.policy import report_scope
from reports.forms import ColumnsForm
from reports.services import figures
from reports.services import rows as report_rows
from reports.services.columns import shown_columns
from reports.services.filters import SORTS, filter_form, filters_from, form_errors

PAGE_SIZE = 50


def _filters():
    """The validated filters of this request, or (None, form) when they are invalid."""
    form = filter_form(db.session, report_scope(current_user), request.args)
    if not form.validate():
        return None, form
    return filters_from(form), form


def _page() -> int:
    """The requested page (at least 1; past the last one shows the last); a page that is
    not a number is a 404."""
    raw = request.args.get("page", "1")
    if not raw.isdigit():
        abort(404)
    return max(int(raw), 1)


@require("reports.view")
def dashboard():
    filters, form = _filters()
    if filters is None:
        return render_template("reports/dashboard/index.html", form=form,
                               errors=form_errors(form)), 400
    scope = report_scope(current_user)
    # The database filters, sorts, counts and cuts the page: a request reads 50 people and
    # the per-team counts (whose grand total is the number of people in the report),
    # whatever the size of the organisation.
    teams, grand = report_rows.team_totals(db.session, scope, filters)
    total = grand.people
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(_page(), pages)
    shown, _total = report_rows.report_page(db.session, scope, filters, page, PAGE_SIZE,
                                            total=total)
    paths = report_rows.paths(db.session)
    today = clock.today()
    kpis = figures.kpi_columns(db.session, today)
    return render_template(
        "reports/dashboard/index.html", form=form, errors=[], filters=filters, rows=shown,
        details=report_rows.details(db.session, shown, with_levels=False), total=total, page=page,
        pages=pages, page_numbers=_page_numbers(page, pages), teams=teams, grand=grand,
        paths=paths, path_names={p.id: p.tr("name") for p in paths}, sorts=SORTS,
        args=filters.query_args(), sort_link=lambda key, path_id=None: _sort_link(
            filters, key, path_id),
        shown=shown_columns(db.session, current_user.id),
        columns_form=ColumnsForm(formdata=None), kpis=figures.by_kpi(kpis),
        kpi_labels=[k.label for k in kpis], kpi_value=figures.plain,
        figures=figures.page_figures(db.session, [r.id for r in shown], kpis, today),
        year=today.year,
    )


def _sort_link(filters, key: str, path_id: int | None = None) -> tuple[dict, str | None]:
    """(query args, current order or None) of a column header: sorting by `key` (the status
    of path `path_id`), descending when it is the ascending sort already; back to page 1."""
    args = filters.query_args()
    args.pop("order", None)
    args["sort"] = key
    if path_id is not None:
        args["path"] = str(path_id)
    current = filters.sort == key and (path_id is None or filters.path_id == path_id)
    if current and not filters.descending:
        args["order"] = "desc"
    order = ("descending" if filters.descending else "ascending") if current else None
    return args, order


def _page_numbers(page: int, pages: int) -> list[int | None]:
    """The page links to show: the first, the last and two either side of `page` (None for a
    gap)."""
    wanted = sorted({1, pages, *range(max(page - 2, 1), min(page + 2, pages) + 1)})
    shown: list[int | None] = []
    for number in wanted:
        if shown and number - shown[-1] > 1:
            shown.append(None)
        shown.append(number)
    return shown
