"""`flask --app lms doctor`: the deployment checks on the command line."""

import click
from flask import current_app
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _

from lms.system.services.checks import run_checks, status_labels

MARKS = {"ok": "ok", "warning": "!!", "failed": "XX", "skipped": "--"}


@click.command("doctor")
@click.option("--language", default=None,
              help="Language of the report (en, zh_Hans_CN); the site's default otherwise.")
def doctor_command(language: str | None) -> None:
    """Check this machine and the settings: PDF fonts, database, secrets, storage, Redis,
    SMTP, workers. Exits 1 when a check fails."""
    languages = current_app.config["LANGUAGES"]
    if language is not None and language not in languages:
        raise click.BadParameter(", ".join(languages), param_hint="--language")
    with force_locale(language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        results = run_checks(current_app)
        labels = status_labels()
        area = None
        for result in results:
            if result.area != area:
                area = result.area
                click.echo(f"\n{area}")
            click.echo(f"  [{MARKS[result.status]}] {result.name} — {labels[result.status]}: "
                       f"{result.detail}")
        failed = sum(r.status == "failed" for r in results)
        warnings = sum(r.status == "warning" for r in results)
        summary = (ngettext("%(num)d check failed.", "%(num)d checks failed.", failed)
                   if failed else _("Everything needed is in place."))
        if warnings:
            gap = "" if str(get_locale()).startswith("zh") else " "
            summary += gap + ngettext("%(num)d warning.", "%(num)d warnings.", warnings)
        click.echo(f"\n{summary}")
        if failed:
            raise SystemExit(1)


COMMANDS = (doctor_command,)
