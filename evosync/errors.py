"""Russian error pages for 400/401/403/404/405/413/429/500, with no traceback or internals."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from evosync.extensions import db
from evosync.htmx import is_htmx

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Некорректный запрос", "Сервер не понял запрос. Обновите страницу и попробуйте ещё раз."),
    401: ("Нужен вход", "Войдите в аккаунт, чтобы продолжить."),
    403: ("Доступ запрещён", "У вас нет доступа к этой странице."),
    404: ("Страница не найдена", "Такой страницы нет или она вам недоступна."),
    405: ("Метод не поддерживается", "Этот адрес не принимает такой запрос."),
    413: ("Слишком большой запрос", "Файл или форма слишком велики."),
    429: ("Слишком много попыток", "Подождите немного и попробуйте снова."),
    500: ("Внутренняя ошибка", "Что-то пошло не так на нашей стороне. Мы уже знаем; попробуйте позже."),
}


def render_error(status: int, message: str | None = None):
    """Render the Russian error page for ``status`` (JSON for JSON clients)."""
    title, default = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    text = message or default
    if request.accept_mimetypes.best == "application/json" or request.path == "/healthz":
        return jsonify(error=title, message=text), status
    if is_htmx():
        # static/app.js shows this in the page's alert area (htmx does not swap error responses itself).
        return render_template("errors/_alert.html", status=status, title=title, message=text), status
    return render_template("errors/error.html", status=status, title=title, message=text), status


def register(app: Flask) -> None:
    """Install the error handlers on ``app``."""

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render_error(
            400, "Форма устарела или отправлена не с нашего сайта. Обновите страницу и повторите."
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if exc.code >= 500:
            return _server_error(exc)
        # Our own aborts and limits carry a Russian description (abort(400, "…"), error_message=…);
        # werkzeug's defaults are English, and a limit without its own message says «5 per 15 minute».
        description = str(exc.description or "")
        own = description != type(exc).description and not description.isascii()
        message = exc.description if own else None
        return render_error(exc.code, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        return _server_error(exc)

    def _server_error(exc: Exception):
        db.session.rollback()
        if not isinstance(exc, HTTPException):
            log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500 if not isinstance(exc, HTTPException) else exc.code or 500)
