"""`flask --app lms import-course PATH` and `export-course CODE OUTPUT`: courses as files."""

import click

from courses.services.content_files import export_course, import_course
from courses.services.content_files.preview import preview_course
from courses.services.versions import latest_version
from lms.core.errors import DomainError
from lms.core.extensions import db


@click.command("import-course")
@click.argument("path", type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option("--publish", "publish_now", is_flag=True,
              help="Publish the imported content as a new version.")
@click.option("--dry-run", is_flag=True,
              help="Check the folder and report what the import would do; write nothing.")
def import_course_command(path: str, publish_now: bool, dry_run: bool) -> None:
    """Import a course folder (course.yaml + Markdown lessons) or a .zip of one. Nothing is
    imported unless the whole folder is valid."""

    if dry_run:
        try:
            report = preview_course(db.session, path)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        finally:
            db.session.rollback()
        click.echo("\n".join(["Dry run: nothing was imported.", *report.lines()]))
        return
    try:
        course = import_course(db.session, None, path, publish_now=publish_now)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    version = latest_version(db.session, course)
    state = "published" if publish_now else "draft"
    click.echo(f"Imported {course.code} ({course.title}): {state} version {version.number}, "
               f"{sum(len(m.lessons) for m in version.modules)} lessons in "
               f"{len(version.modules)} modules.")


@click.command("export-course")
@click.argument("code")
@click.argument("output", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--overwrite", is_flag=True,
              help="Write into an existing folder or replace an existing .zip.")
def export_course_command(code: str, output: str, overwrite: bool) -> None:
    """Write a course's published version to OUTPUT: a folder, or a .zip if it ends so."""

    try:
        written = export_course(db.session, code, output, overwrite=overwrite)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Exported {code} to {written}.")


COMMANDS = (import_course_command, export_course_command)
