"""The dashboard's CSV and XLSX downloads (thin: see reports.services.exports).

The file's name carries the as-of time and the filters; the CSV starts with its header row.
"""

import contextlib
import os
import tempfile

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from lms.core import clock
from lms.core.extensions import db
from lms.core.policy import require
from lms.people.policy import report_scope
from reports.services import exports
from reports.services.filters import filter_form, filters_from, form_errors

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters():
    """(the validated filters of this request or None, the form)."""
    form = filter_form(db.session, report_scope(current_user), request.args)
    return (filters_from(form) if form.validate() else None), form


def _refused(form):
    """A download with invalid filters: the dashboard with the errors, HTTP 400, no rows."""
    return render_template("reports/dashboard/index.html", form=form,
                           errors=form_errors(form)), 400


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'


@require("reports.view")
def export_csv():
    filters, form = _filters()
    if filters is None:
        return _refused(form)
    as_of = clock.now()
    name = exports.file_name(db.session, filters, as_of, "csv")
    lines = exports.csv_lines(db.session, report_scope(current_user), filters, as_of)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": _attachment(name)})


@require("reports.view")
def export_xlsx():
    filters, form = _filters()
    if filters is None:
        return _refused(form)
    as_of = clock.now()
    name = exports.file_name(db.session, filters, as_of, "xlsx")
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="lms-export-")
    os.close(handle)
    try:
        exports.write_xlsx(db.session, report_scope(current_user), filters, as_of, path)
    except BaseException:
        os.remove(path)
        raise

    def chunks():
        # Opened only when the body is sent, so an unread response leaves no file open.
        with open(path, "rb") as workbook:
            while block := workbook.read(64 * 1024):
                yield block

    response = Response(chunks(), mimetype=XLSX_TYPE, headers={
        "Content-Disposition": _attachment(name),
        "Content-Length": str(os.path.getsize(path))})
    response.call_on_close(lambda: _remove(path))
    return response


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
