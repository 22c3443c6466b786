"""Flask-WTF forms (every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    name = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class LogoutForm(FlaskForm):
    pass


class AckForm(FlaskForm):
    pass


class UserStateForm(FlaskForm):
    pass


class UserForm(FlaskForm):
    name = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(
        _l("Role"),
        choices=[
            ("admin", _l("Administrator")),
            ("engineer", _l("Engineer")),
            ("security", _l("Security officer")),
            ("operator", _l("Operator")),
            ("auditor", _l("Auditor")),
        ],
    )
    scope = StringField(
        _l("Scope (node code, engineers only)"), validators=[Optional(), Length(max=64)]
    )
    expires = DateField(_l("Contractor: expires on"), validators=[Optional()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
