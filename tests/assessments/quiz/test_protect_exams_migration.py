"""Migration 0022's data step: closed-book exams still on the review options the application
shipped before #19 (nothing chosen, or the old demo exam's) get the protective options; options
an author chose, and quizzes that are not closed-book, are left alone."""

import importlib.util
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from assessments.quiz.models import CERTIFICATION_REVIEW
from lms.core.extensions import db
from tests.test_schema import empty_app  # noqa: F401  (a fixture)

MIGRATION = next(Path(__file__).parents[3].joinpath("migrations", "versions")
                 .glob("*_assess19_*.py"))
OLD_DEMO = {"immediately": ["score", "responses", "feedback"],
            "open": ["score", "responses", "feedback"]}
AUTHORED = {"immediately": ["score"], "closed": ["score", "right_answers"]}


def _migration():
    spec = importlib.util.spec_from_file_location("assess19_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _filler(column):
    """A value for a NOT NULL column without a server default, by its type."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 0
    if isinstance(kind, sa.Numeric):
        return Decimal(80)
    if isinstance(kind, sa.DateTime | sa.Date):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(kind, sa.JSON):
        return {}
    return "x"


def test_closed_book_exams_on_shipped_options_are_protected(empty_app):  # noqa: F811
    migration = _migration()
    assert migration.CERTIFICATION_REVIEW == CERTIFICATION_REVIEW  # frozen copy still right
    with empty_app.app_context():
        upgrade(revision=migration.down_revision)
        quiz = sa.Table("quiz", sa.MetaData(), autoload_with=db.engine)
        rows = {"empty": (True, {}), "old demo": (True, OLD_DEMO),
                "authored": (True, AUTHORED), "open book": (False, {})}
        with db.engine.begin() as connection:
            for title, (closed_book, options) in rows.items():
                values = {c.name: _filler(c) for c in quiz.columns
                          if not c.nullable and c.server_default is None
                          and not c.primary_key}
                values.update(title=title, closed_book=closed_book,
                              review_options=json.dumps(options)
                              if isinstance(quiz.c.review_options.type, sa.Text)
                              else options)
                connection.execute(quiz.insert().values(**values))
        upgrade()
        with db.engine.connect() as connection:
            found = {title: options if isinstance(options, dict) else json.loads(options)
                     for title, options in connection.execute(
                         sa.text("SELECT title, review_options FROM quiz"))}
    assert found == {"empty": CERTIFICATION_REVIEW, "old demo": CERTIFICATION_REVIEW,
                     "authored": AUTHORED, "open book": {}}
