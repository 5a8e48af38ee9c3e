"""The role-play blueprint: agent, grading, lead and authoring pages attach their routes here."""

from flask import Blueprint

bp = Blueprint("roleplay", __name__, url_prefix="/roleplays")
