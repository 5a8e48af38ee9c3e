"""`flask --app lms import-questions FILE [--format F] [--bank CATEGORY] [--on-error E]`,
`export-questions`, and the older `import-gift FILE --category NAME [--language L]`,
`import-aiken`, `export-gift`."""

from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app

from assessments.quiz.services import attempts, bank, formats
from assessments.quiz.services.aiken import import_aiken
from assessments.quiz.services.gift import export_gift, import_gift
from lms.core.database import writing
from lms.core.errors import DomainError
from lms.core.extensions import db


def _target(category: str | None, create: bool):

    if not category:
        return None
    try:
        path = bank.parse_category_path(category)
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--category") from None
    if create:
        return bank.ensure_category(db.session, None, path)
    found = bank.find_category(db.session, path)
    if found is None:
        raise click.BadParameter(f"no category {' › '.join(path)!r} in the bank",
                                 param_hint="--category")
    return found


@contextmanager
def _refusals_reported(file: Path):
    """Roll back and report a refused import as a command error naming the file (and each
    refused line, for an ImportRefused)."""
    try:
        yield
    except bank.ImportRefused as error:
        db.session.rollback()
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        raise click.ClickException(f"{file}: {error.message}\n{lines}") from None
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{file}: {error.message}") from None


def _import(reader, file: Path, category: str | None) -> None:
    with _refusals_reported(file):
        text = bank.decode_upload(file.read_bytes())
        result = reader(db.session, None, text, _target(category, create=True))
    db.session.commit()
    click.echo(f"Imported {len(result.questions)} questions"
               + (f" and created {len(result.categories_created)} categories"
                  if result.categories_created else "") + ".")


@click.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--category", help="Category for questions before any $CATEGORY line "
                                 "(a/b/c; created when missing).")
@click.option("--language", help="The file translates questions already in the bank into this "
                                 "language (e.g. zh_Hans_CN); matched by category and name.")
def import_gift_command(file: Path, category: str | None, language: str | None) -> None:
    """Import a Moodle GIFT file into the question bank (all or nothing)."""

    if language:
        _import_translation(file, category, language)
        return
    _import(import_gift, file, category)


def _import_translation(file: Path, category: str | None, language: str) -> None:
    from assessments.quiz import bank
    from assessments.quiz.services.translations import import_gift_translation

    try:
        text = bank.decode_upload(file.read_bytes())
        versions = import_gift_translation(db.session, None, text, language,
                                           _target(category, create=False))
    except bank.ImportRefused as error:
        db.session.rollback()
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        raise click.ClickException(f"{file}: {error.message}\n{lines}") from None
    db.session.commit()
    click.echo(f"Translated {len(versions)} questions into {language}.")


@click.command("import-aiken")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--category", required=True, help="Category to put the questions in (a/b/c; "
                                                "created when missing).")
def import_aiken_command(file: Path, category: str) -> None:
    """Import an Aiken file (single-choice questions) into the question bank."""

    _import(import_aiken, file, category)


@click.command("export-gift")
@click.option("--category", required=True, help="Category to export (a/b/c), with its "
                                                "subcategories.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def export_gift_command(category: str, output: Path | None) -> None:
    """Export a category of the question bank as GIFT."""

    text = export_gift(db.session, _target(category, create=False))
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")


@click.command("import-questions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS),
              help="The file's format (default: detected from its content).")
@click.option("--bank", "category", help="Category for questions the file puts in no "
                                         "category (a/b/c; created when missing).")
@click.option("--on-error", type=click.Choice(bank.ON_ERROR), default="stop", show_default=True,
              help="stop: import nothing if any question is wrong; skip: import the good "
                   "ones and list the others.")
def import_questions_command(file: Path, fmt: str | None, category: str | None,
                             on_error: str) -> None:
    """Import a question bank file: Moodle XML, GIFT or Aiken."""
    with _refusals_reported(file):
        text = bank.decode_bank_file(file.read_bytes())
        fmt, result = formats.import_bank_file(
            db.session, None, text, fmt, _target(category, create=True), on_error,
            current_app.config["STORAGE_DIR"])
    db.session.commit()
    click.echo(f"Read {file} as {fmt}. Imported {len(result.questions)} questions"
               + (f" and created {len(result.categories_created)} categories"
                  if result.categories_created else "") + ".")
    if result.skipped:
        click.echo(f"Left out {len(result.skipped)}:")
        for problem in result.skipped:
            click.echo(f"  {problem}")


@click.command("export-questions")
@click.option("--bank", "category", required=True, help="Category to export (a/b/c), with "
                                                        "its subcategories.")
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), default="moodle-xml",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def export_questions_command(category: str, fmt: str, output: Path | None) -> None:
    """Export a category of the question bank as Moodle XML, GIFT or Aiken."""

    text, skipped = formats.export_bank(db.session, _target(category, create=False), fmt,
                                        current_app.config["STORAGE_DIR"])
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")
    if skipped:
        click.echo(f"{skipped} questions could not be written as {fmt}.", err=True)


# `flask --app lms finish-overdue-attempts`: the deadline sweeper (run it every minute).
BATCH = 50


@click.command("finish-overdue-attempts")
def finish_overdue_attempts_command() -> None:
    """Finish (or abandon, as each quiz says) every attempt whose time ran out, with the
    answers saved so far, even if the learner never comes back."""

    changed = 0
    with writing():
        ids = attempts.overdue_attempt_ids(db.session)
        db.session.commit()
        # Small batches keep the write lock short for learners saving answers meanwhile.
        for start in range(0, len(ids), BATCH):
            changed += attempts.finish_overdue(db.session, ids[start:start + BATCH])
            db.session.commit()
    click.echo(f"{changed} overdue attempt(s) finished.")


@click.command("quiz-rewrite-evidence")
def rewrite_evidence_command() -> None:
    """Write every finished attempt's competency evidence again by the current rules (the
    questions a competency needs, knowledge checks as their own kind); run once after
    upgrading to them. The stored levels follow, so check-derived stays at 0."""
    from assessments.quiz.services.grading import rewrite_all_evidence

    with writing():
        done = rewrite_all_evidence(db.session)
        db.session.commit()
    click.echo(f"Evidence of {done} attempt(s) rewritten.")


COMMANDS = (import_gift_command, import_aiken_command, export_gift_command,
            import_questions_command, export_questions_command, finish_overdue_attempts_command,
            rewrite_evidence_command)
