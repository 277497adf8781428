"""Login and registration forms (Flask-WTF: CSRF field `csrf_token`)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    """Email + password."""

    email = EmailField("Электронная почта", validators=[InputRequired("Укажите почту."), Length(max=254)])
    password = PasswordField("Пароль", validators=[InputRequired("Введите пароль."), Length(max=256)])


class RegisterForm(FlaskForm):
    """Email + password; the rules live in the service so the CLI shares them."""

    email = EmailField("Электронная почта", validators=[InputRequired("Укажите почту."), Length(max=254)])
    password = PasswordField("Пароль", validators=[InputRequired("Придумайте пароль.")])


class PasswordChangeForm(FlaskForm):
    """Current password + the new one."""

    current_password = PasswordField("Текущий пароль", validators=[InputRequired("Введите текущий пароль.")])
    new_password = PasswordField("Новый пароль", validators=[InputRequired("Придумайте новый пароль.")])


class ForgotForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField("Электронная почта", validators=[InputRequired("Укажите почту."), Length(max=254)])


class ResetForm(FlaskForm):
    """The new password (the link already proved the mailbox)."""

    password = PasswordField("Новый пароль", validators=[InputRequired("Придумайте новый пароль.")])


class NotificationsForm(FlaskForm):
    """Per-kind mail switches; the checkboxes are read from the request by kind name."""
