"""egovnet's Flask application factory: the composition root."""

from .app import create_app

__all__ = ["create_app"]
