"""egovnet's Flask application factory (``web.app.create_app``): the composition root.

Nothing is imported here, so that ``egovnet --help`` (``web.cli``) stays light.
"""
