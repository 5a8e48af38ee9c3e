"""The shell, the base domain and the shared core of the certification LMS.

`flask --app lms` and `from lms import create_app` find the factory here. It is imported when
called, not when this package is: the factory imports every package, and every package
imports `lms.core`, so importing it here would make any module imported first (a script
importing a model, a benchmark) wait on the whole application (a start-up cycle).
"""


def create_app(config: dict | None = None):
    """Build the Flask app (lms.app.create_app)."""
    from lms.app import create_app as build

    return build(config)


__all__ = ["create_app"]
