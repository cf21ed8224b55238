"""The API's blueprint, on its own so route modules can register on it without
importing the module that gathers them."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")
