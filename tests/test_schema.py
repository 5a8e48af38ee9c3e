"""Migrations: `upgrade` on an empty database matches the models, and the app refuses to serve
an out-of-date schema."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.core.extensions import db
from lms.core.schema import SchemaOutOfDate, bind_migrations, check_schema
from reports.services import level_tally
from tests.databases import DEMO, copy_rows


@pytest.fixture
def empty_app(app_config, postgres_database, tmp_path):
    """An app on a database with no tables at all (a second PostgreSQL database if needed)."""
    config = dict(app_config)
    admin = None
    if postgres_database is not None:
        url = sa.engine.make_url(postgres_database[0])
        name = url.database + "_mig"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        config["SQLALCHEMY_DATABASE_URI"] = url.set(database=name).render_as_string(False)
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    config["CHECK_SCHEMA"] = True
    app = create_app(config)
    bind_migrations(app)  # what `flask db …` does; upgrade() and downgrade() read it
    yield app
    with app.app_context():
        db.engine.dispose()
    if admin is not None:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_upgrade_matches_models(empty_app):
    with empty_app.app_context():
        upgrade()
        from lms.core.references import REGISTERED, include_object, trigger_names

        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "include_object": include_object(connection.dialect.name)})
            diff = compare_metadata(context, db.metadata)
            foreign_keys = {fk["name"] for table in sa.inspect(connection).get_table_names()
                            for fk in sa.inspect(connection).get_foreign_keys(table)}
        assert diff == []
        check_schema(db.engine)  # at head: no error
        # The heat map's level counters are kept by triggers, which a later migration that
        # rebuilds `person` or `competency_level` (SQLite's batch mode) would silently drop.
        from reports.services.level_tally import TRIGGERS

        with db.engine.connect() as connection:
            query = ("SELECT tgname FROM pg_trigger" if connection.dialect.name == "postgresql"
                     else "SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = set(connection.exec_driver_sql(query).scalars())
        assert set(TRIGGERS) <= present
        # On PostgreSQL the references of the bulk tables are triggers instead of foreign keys
        # (lms.core.references); SQLite keeps the foreign keys.
        moved = {r.constraint for r in REGISTERED}
        assert len(moved) == 11
        if db.engine.dialect.name == "postgresql":
            assert set(trigger_names(REGISTERED)) <= present
            assert not moved & foreign_keys
        else:
            assert moved <= foreign_keys


def test_downgrade_to_base_and_back(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert "person" not in sa.inspect(connection).get_table_names()
        upgrade()


def test_app_refuses_to_serve_an_out_of_date_schema(empty_app):
    with empty_app.app_context():
        with pytest.raises(SchemaOutOfDate, match="flask --app lms db upgrade"):
            check_schema(db.engine)
    response = empty_app.test_client().get("/login")
    assert response.status_code == 503
    assert "flask --app lms db upgrade" in response.get_data(as_text=True)


def test_upgrade_keeps_data_of_an_older_schema(empty_app):
    """Each migration runs on a database that already holds referenced rows (SQLite batch
    mode rebuilds tables; foreign keys must not stop it or be left broken)."""
    from alembic.script import ScriptDirectory

    with empty_app.app_context():
        config = empty_app.extensions["migrate"].migrate.get_config()
        revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
        upgrade(revision=revisions[0].revision)
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO team (id, name, description, active) "
                                       "VALUES (1, 'Hotline', '', true)"))
            connection.execute(sa.text(
                "INSERT INTO person (id, employee_id, name, email, team_id, active, "
                "session_version, created_at) VALUES (1, 'E1', '王芳', 'w@example.com', 1, "
                "true, 1, '2026-01-01 00:00:00')"))
            connection.execute(sa.text(
                "INSERT INTO person_role (person_id, role) VALUES (1, 'agent')"))
        upgrade()
        with db.engine.connect() as connection:
            row = connection.execute(sa.text(
                "SELECT p.name, t.name FROM person p JOIN team t ON t.id = p.team_id")).one()
            assert row == ("王芳", "Hotline")
            roles = connection.execute(sa.text("SELECT role FROM person_role")).scalars().all()
            assert roles == ["agent"]


def test_the_derived_state_migration_backfills_existing_data(empty_app, databases):
    """0011 creates the stored levels and standings and fills them from the evidence and
    certificates already there: check-derived finds nothing to correct afterwards."""
    from certificates.models import CertificationStanding
    from certificates.services.standing import check_standings
    from lms.competencies.models import CompetencyLevel
    from lms.competencies.services.evidence import check_levels

    demo = databases.template_url(DEMO)  # the demo organisation, seeded once per session
    with empty_app.app_context():
        upgrade()
        copy_rows(demo, db.engine)
        assert level_tally.check(db.session.connection()) == []
        db.session.remove()
        levels = db.session.scalar(sa.select(sa.func.count()).select_from(CompetencyLevel))
        standings = db.session.scalar(
            sa.select(sa.func.count()).select_from(CertificationStanding))
        assert levels > 50 and standings > 0
        db.session.remove()
        downgrade(revision="privacy0010")
        with db.engine.connect() as connection:
            assert "competency_level" not in sa.inspect(connection).get_table_names()
        upgrade()
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(CompetencyLevel)) == levels
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(CertificationStanding)) == standings
        assert check_levels(db.session) == [] and check_standings(db.session) == []
        # 0029 recounts the heat map's level counters of the data already there.
        assert level_tally.counts(db.session.connection())
        assert level_tally.check(db.session.connection()) == []
        db.session.remove()


def test_the_reporting_line_migration_backfills_existing_managers(empty_app):
    """reportline0022 fills the stored line from manager_id (a loop made past the forms
    included): check-derived finds nothing to correct afterwards."""
    from lms.people.models import Person, ReportingLine
    from lms.people.services.reporting_line import check_reporting_line

    with empty_app.app_context():
        upgrade(revision="tally0022")  # the revision before reportline0022
        with db.engine.begin() as connection:
            connection.execute(sa.insert(Person.__table__), [
                {"id": n, "employee_id": f"E{n}", "name": f"P{n}", "email": f"p{n}@example.com",
                 "active": True, "can_author": False, "session_version": 1} for n in range(1, 6)])
            for person, manager in ((2, 1), (3, 2), (4, 5), (5, 4)):
                connection.execute(sa.update(Person.__table__).where(Person.id == person)
                                   .values(manager_id=manager))
        upgrade()
        rows = set(map(tuple, db.session.execute(
            sa.select(ReportingLine.manager_id, ReportingLine.person_id))))
        assert rows == {(1, 2), (1, 3), (2, 3), (4, 5), (5, 4), (4, 4), (5, 5)}
        assert check_reporting_line(db.session) == []
        db.session.remove()
