"""Production entry point: `gunicorn wsgi:app`. Refuses to start on an out-of-date schema."""

from lms import create_app
from lms.core.extensions import db
from lms.core.schema import check_schema

app = create_app()
with app.app_context():
    check_schema(db.engine)
