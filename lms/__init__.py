"""The shell and shared core of the certification LMS."""

from lms.app import create_app

__all__ = ["create_app"]
