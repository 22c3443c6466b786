"""Device configuration templates (Jinja2), one folder per platform, one file per role.

``<platform>/<role>.j2`` extends ``snippets/<family>.j2``; see
:mod:`provisioning.render` for the context they receive.
"""
