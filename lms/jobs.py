"""The one entry point of background jobs on RQ, for every package.

Packages below the shell may not import the app factory, so they enqueue this function by
name with the job they mean ("module:function"); it runs the job in the worker's app context
(`flask --app lms certificates-worker`), or in an app built from the environment when a plain
`rq worker` picked the job up.
"""

from importlib import import_module

from flask import has_app_context

from lms.app import create_app


def run_in_app(target: str, *args, **kwargs):
    """Import `target` ("package.module:function") and call it with the arguments inside an
    app context; refuses a target outside the project's packages."""
    module_name, _, function_name = target.partition(":")
    if module_name.split(".", 1)[0] not in ("lms", "courses", "assessments", "certificates",
                                            "reports"):
        raise ValueError(f"not a job of this application: {target!r}")
    function = getattr(import_module(module_name), function_name)
    if has_app_context():
        return function(*args, **kwargs)
    with create_app().app_context():
        return function(*args, **kwargs)
