"""The quiz blueprint: question bank, quiz set-up and attempt pages attach their routes here."""

from flask import Blueprint

bp = Blueprint("quiz", __name__)
