"""The 360 blueprint: cycle, nomination, answering, results and questionnaire pages."""

from flask import Blueprint

bp = Blueprint("review360", __name__, url_prefix="/360")
