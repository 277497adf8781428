"""Form parsing for the /sync settings and placeholder upload (plain forms; CSRF is checked globally)."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage, ImmutableMultiDict

from evosync.sync.config.settings import PLACEHOLDER_MAX_BYTES, BadSettings, SettingsInput, parse_multiplier

CATEGORY_FIELD = "vk_category_id"
MAX_CATEGORY_ID = 2**31 - 1


def parse_settings_form(form: ImmutableMultiDict) -> SettingsInput:
    """Validate the settings form; a missing category field leaves the category as it is."""
    multiplier = parse_multiplier(form.get("price_multiplier"))
    leave_action = form.get("leave_action", "")
    send_stock = form.get("send_stock") in ("1", "on", "true", "yes")
    if CATEGORY_FIELD not in form:
        return SettingsInput(multiplier, leave_action, send_stock)
    raw = form.get(CATEGORY_FIELD, "").strip()
    if not raw:
        return SettingsInput(multiplier, leave_action, send_stock, None)
    # isascii: "²".isdigit() is True but int("²") raises; the bound keeps it a database INTEGER.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or int(raw) > MAX_CATEGORY_ID:
        raise BadSettings("Выберите категорию из списка.")
    return SettingsInput(multiplier, leave_action, send_stock, int(raw))


def read_upload(files: ImmutableMultiDict) -> bytes:
    """The uploaded placeholder's bytes, reading at most one byte past the size limit."""
    upload: FileStorage | None = files.get("placeholder")
    if upload is None or not upload.filename:
        raise BadSettings("Выберите файл изображения (JPG или PNG).")
    data = upload.stream.read(PLACEHOLDER_MAX_BYTES + 1)
    if len(data) > PLACEHOLDER_MAX_BYTES:
        raise BadSettings("Файл больше 5 МБ — уменьшите изображение.")
    return data
