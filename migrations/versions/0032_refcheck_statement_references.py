"""On PostgreSQL, the references of the tables a KPI push fills by the hundred thousand
(KPI values, evidence, stored levels, evaluations, standings) are checked once per statement
by triggers instead of once per row by foreign keys (lms.core.references: the per-row checks
were about half of the server's time in a push of 100,000 people). SQLite is unchanged.

Revision ID: refcheck0022
Revises: reportline0022
Create Date: 2026-12-05 14:40:00

"""
from alembic import op

from lms.core.references import Reference, install_sql, uninstall_sql

# revision identifiers, used by Alembic.
revision = 'refcheck0022'
down_revision = 'reportline0022'
branch_labels = None
depends_on = None

# What this revision moves, written out: a later change of the models must not change it.
REFERENCES = [Reference(child, column, parent, "id", on_delete,
                        f"fk_{child}_{column}_{parent}")
              for child, column, parent, on_delete in (
                  ("certification_evaluation", "path_id", "certification_path", "CASCADE"),
                  ("certification_evaluation", "person_id", "person", "CASCADE"),
                  ("certification_standing", "path_id", "certification_path", "CASCADE"),
                  ("certification_standing", "person_id", "person", "CASCADE"),
                  ("competency_evidence", "competency_id", "competency", "CASCADE"),
                  ("competency_evidence", "person_id", "person", "CASCADE"),
                  ("competency_level", "competency_id", "competency", "CASCADE"),
                  ("competency_level", "person_id", "person", "CASCADE"),
                  ("kpi_value", "import_id", "kpi_import", "NO ACTION"),
                  ("kpi_value", "kpi_id", "kpi_definition", "CASCADE"),
                  ("kpi_value", "person_id", "person", "CASCADE"))]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for r in REFERENCES:
        op.drop_constraint(r.constraint, r.child, type_="foreignkey")
    for statement in install_sql(REFERENCES):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in uninstall_sql(REFERENCES):
        op.execute(statement)
    for r in REFERENCES:
        op.create_foreign_key(r.constraint, r.child, r.parent, [r.column], [r.parent_column],
                              ondelete=None if r.on_delete == "NO ACTION" else r.on_delete)
