"""Routes of the guidance feature."""

from flask import Blueprint

bp = Blueprint("guidance", __name__)
