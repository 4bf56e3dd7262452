"""Routes of the questionnaires feature."""

from flask import Blueprint

bp = Blueprint("questionnaires", __name__)
