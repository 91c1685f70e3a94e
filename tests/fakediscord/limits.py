"""Discord's documented payload limits, checked the way the API reports them (error 50035)."""

from __future__ import annotations

import re
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
BUTTONS_PER_ROW_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_PLACEHOLDER_MAX = 150
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100
MODAL_TITLE_MAX = 45
COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
GLOBAL_CHAT_COMMANDS_MAX = 100
NONCE_MAX = 25

INVALID_FORM_BODY = 50035
EMPTY_MESSAGE = 50006

Path = tuple[str, ...]


class FormErrors:
    """Collects errors and renders them in Discord's nested `errors` shape."""

    def __init__(self) -> None:
        self.items: list[tuple[Path, str, str]] = []

    def add(self, path: Path, code: str, message: str) -> None:
        """Record one error at a path like ("embeds", "0", "description")."""
        self.items.append((path, code, message))

    def max_length(self, path: Path, limit: int) -> None:
        """Record a BASE_TYPE_MAX_LENGTH error."""
        self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: Path) -> None:
        """Record a BASE_TYPE_REQUIRED error."""
        self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def __bool__(self) -> bool:
        return bool(self.items)

    def nested(self) -> dict[str, Any]:
        """Return {"embeds": {"0": {"description": {"_errors": [...]}}}}-style errors."""
        root: dict[str, Any] = {}
        for path, code, message in self.items:
            node = root
            for part in path:
                node = node.setdefault(part, {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root

    def body(self) -> dict[str, Any]:
        """Return the full 400 body."""
        return {"code": INVALID_FORM_BODY, "message": "Invalid Form Body", "errors": self.nested()}


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def validate_embeds(embeds: Any, errors: FormErrors, prefix: Path = ()) -> None:
    """Check the embed limits, including 6000 characters over all embeds of one message."""
    if not isinstance(embeds, list):
        errors.add(prefix + ("embeds",), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(embeds) > EMBEDS_MAX:
        errors.max_length(prefix + ("embeds",), EMBEDS_MAX)
    total = 0
    for index, embed in enumerate(embeds):
        path = prefix + ("embeds", str(index))
        if not isinstance(embed, dict):
            errors.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        title = embed.get("title")
        description = embed.get("description")
        if _text_len(title) > EMBED_TITLE_MAX:
            errors.max_length(path + ("title",), EMBED_TITLE_MAX)
        if _text_len(description) > EMBED_DESCRIPTION_MAX:
            errors.max_length(path + ("description",), EMBED_DESCRIPTION_MAX)
        total += _text_len(title) + _text_len(description)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            errors.max_length(path + ("fields",), EMBED_FIELDS_MAX)
        for f_index, fld in enumerate(fields):
            f_path = path + ("fields", str(f_index))
            name, value = fld.get("name"), fld.get("value")
            # Discord requires both and rejects empty strings (discord.py happily sends them).
            if not name:
                errors.required(f_path + ("name",))
            elif len(name) > EMBED_FIELD_NAME_MAX:
                errors.max_length(f_path + ("name",), EMBED_FIELD_NAME_MAX)
            if not value:
                errors.required(f_path + ("value",))
            elif len(value) > EMBED_FIELD_VALUE_MAX:
                errors.max_length(f_path + ("value",), EMBED_FIELD_VALUE_MAX)
            total += _text_len(name) + _text_len(value)
        footer = embed.get("footer") or {}
        if _text_len(footer.get("text")) > EMBED_FOOTER_MAX:
            errors.max_length(path + ("footer", "text"), EMBED_FOOTER_MAX)
        total += _text_len(footer.get("text"))
        author = embed.get("author") or {}
        if _text_len(author.get("name")) > EMBED_AUTHOR_MAX:
            errors.max_length(path + ("author", "name"), EMBED_AUTHOR_MAX)
        total += _text_len(author.get("name"))
        color = embed.get("color")
        if isinstance(color, int) and not 0 <= color <= 0xFFFFFF:
            errors.add(path + ("color",), "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.")
    if total > EMBED_TOTAL_MAX:
        errors.add(
            prefix + ("embeds",), "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"
        )


def validate_components(components: Any, errors: FormErrors, prefix: Path = (), *, v2: bool = False) -> None:
    """Check action rows, buttons and selects (limits, custom_id uniqueness)."""
    if not isinstance(components, list):
        errors.add(prefix + ("components",), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    seen: set[str] = set()
    if not v2 and len(components) > ACTION_ROWS_MAX:
        errors.max_length(prefix + ("components",), ACTION_ROWS_MAX)
    for index, row in enumerate(components):
        path = prefix + ("components", str(index))
        if not v2 and row.get("type") != 1:
            errors.add(path + ("type",), "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,).")
            continue
        _validate_component_tree(row, errors, path, seen)


def _validate_component_tree(item: dict[str, Any], errors: FormErrors, path: Path, seen: set[str]) -> None:
    ctype = item.get("type")
    children = item.get("components")
    if ctype == 1 and isinstance(children, list):
        buttons = [c for c in children if c.get("type") == 2]
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if len(children) > BUTTONS_PER_ROW_MAX:
            errors.max_length(path + ("components",), BUTTONS_PER_ROW_MAX)
        if selects and (len(selects) > 1 or buttons):
            errors.add(
                path + ("components",),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
    custom_id = item.get("custom_id")
    if custom_id is not None:
        if not isinstance(custom_id, str) or not custom_id:
            errors.required(path + ("custom_id",))
        elif len(custom_id) > CUSTOM_ID_MAX:
            errors.max_length(path + ("custom_id",), CUSTOM_ID_MAX)
        elif custom_id in seen:
            errors.add(
                path + ("custom_id",), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        else:
            seen.add(custom_id)
    if ctype == 2:
        if _text_len(item.get("label")) > BUTTON_LABEL_MAX:
            errors.max_length(path + ("label",), BUTTON_LABEL_MAX)
        style = item.get("style")
        # Link (5) and premium (6) buttons carry no custom_id; every other style needs one.
        if style == 5 and not item.get("url"):
            errors.required(path + ("url",))
        elif style not in (5, 6) and custom_id is None:
            errors.required(path + ("custom_id",))
    if ctype in (3, 5, 6, 7, 8):
        if custom_id is None:
            errors.required(path + ("custom_id",))
        if _text_len(item.get("placeholder")) > SELECT_PLACEHOLDER_MAX:
            errors.max_length(path + ("placeholder",), SELECT_PLACEHOLDER_MAX)
        options = item.get("options")
        if ctype == 3:
            if not options:
                errors.required(path + ("options",))
            elif len(options) > SELECT_OPTIONS_MAX:
                errors.max_length(path + ("options",), SELECT_OPTIONS_MAX)
    if isinstance(children, list):
        for index, child in enumerate(children):
            if isinstance(child, dict):
                _validate_component_tree(child, errors, path + ("components", str(index)), seen)
    accessory = item.get("accessory")
    if isinstance(accessory, dict):
        _validate_component_tree(accessory, errors, path + ("accessory",), seen)


def validate_message(payload: dict[str, Any], errors: FormErrors, prefix: Path = ()) -> None:
    """Check content, embeds, components and nonce of a message create/edit body."""
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors.add(prefix + ("content",), "BASE_TYPE_BAD_TYPE", "Must be a string.")
    elif _text_len(content) > CONTENT_MAX:
        errors.max_length(prefix + ("content",), CONTENT_MAX)
    if payload.get("embeds") is not None:
        validate_embeds(payload["embeds"], errors, prefix)
    if payload.get("components") is not None:
        flags = payload.get("flags") or 0
        validate_components(payload["components"], errors, prefix, v2=bool(flags & (1 << 15)))
    nonce = payload.get("nonce")
    if isinstance(nonce, str) and len(nonce) > NONCE_MAX:
        errors.max_length(prefix + ("nonce",), NONCE_MAX)


def is_empty_message(fields: dict[str, Any]) -> bool:
    """Return True if a message would have nothing to show (error 50006)."""
    keys = ("embeds", "components", "attachments", "sticker_ids", "poll")
    return not fields.get("content") and not any(fields.get(k) for k in keys)


def validate_choices(choices: Any, errors: FormErrors, prefix: Path = ()) -> None:
    """Check an autocomplete result: at most 25 choices, name 1-100, string value <= 100."""
    path = prefix + ("choices",)
    if not isinstance(choices, list):
        errors.add(path, "BASE_TYPE_ARRAY", "Must be an array.")
        return
    if len(choices) > CHOICES_MAX:
        errors.max_length(path, CHOICES_MAX)
    for index, choice in enumerate(choices):
        c_path = path + (str(index),)
        name = choice.get("name")
        if not name:
            errors.required(c_path + ("name",))
        elif len(name) > CHOICE_NAME_MAX:
            errors.max_length(c_path + ("name",), CHOICE_NAME_MAX)
        value = choice.get("value")
        if isinstance(value, str) and len(value) > CHOICE_VALUE_MAX:
            errors.max_length(c_path + ("value",), CHOICE_VALUE_MAX)
        elif value is None:
            errors.required(c_path + ("value",))


def validate_modal(data: Any, errors: FormErrors, prefix: Path = ()) -> None:
    """Check a modal: title <= 45, custom_id <= 100, 1-5 top-level components."""
    if not isinstance(data, dict):
        errors.required(prefix)
        return
    title = data.get("title")
    if not title:
        errors.required(prefix + ("title",))
    elif len(title) > MODAL_TITLE_MAX:
        errors.max_length(prefix + ("title",), MODAL_TITLE_MAX)
    custom_id = data.get("custom_id")
    if not custom_id:
        errors.required(prefix + ("custom_id",))
    elif len(custom_id) > CUSTOM_ID_MAX:
        errors.max_length(prefix + ("custom_id",), CUSTOM_ID_MAX)
    components = data.get("components") or []
    if not components:
        errors.required(prefix + ("components",))
    elif len(components) > ACTION_ROWS_MAX:
        errors.max_length(prefix + ("components",), ACTION_ROWS_MAX)


def _validate_option(option: dict[str, Any], errors: FormErrors, path: Path) -> None:
    name = option.get("name") or ""
    if not COMMAND_NAME_RE.match(name) or name != name.lower():
        errors.add(path + ("name",), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    description = option.get("description") or ""
    if not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
        errors.add(path + ("description",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    choices = option.get("choices")
    if choices is not None and len(choices) > CHOICES_MAX:
        errors.max_length(path + ("choices",), CHOICES_MAX)
    max_length = option.get("max_length")
    if isinstance(max_length, int) and not 1 <= max_length <= 6000:
        errors.add(path + ("max_length",), "NUMBER_TYPE_MAX", "int value should be less than or equal to 6000.")
    children = option.get("options") or []
    if len(children) > COMMAND_OPTIONS_MAX:
        errors.max_length(path + ("options",), COMMAND_OPTIONS_MAX)
    _check_required_order(children, errors, path)
    for index, child in enumerate(children):
        _validate_option(child, errors, path + ("options", str(index)))


def _check_required_order(options: list[dict[str, Any]], errors: FormErrors, path: Path) -> None:
    # Discord refuses a required option placed after an optional one.
    seen_optional = False
    for option in options:
        if option.get("type") in (1, 2):
            continue
        if option.get("required"):
            if seen_optional:
                errors.add(
                    path + ("options",),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
                return
        else:
            seen_optional = True


def _validate_context_menu(command: dict[str, Any], errors: FormErrors, path: Path) -> None:
    # User and message commands: a name of 1-32 characters (capitals and spaces allowed), an
    # empty description and no options (Discord API docs, application commands).
    if not 1 <= len(command.get("name") or "") <= 32:
        errors.add(path + ("name",), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
    if command.get("description"):
        errors.add(path + ("description",), "BASE_TYPE_BAD_LENGTH", "Context menu commands cannot have a description.")
    if command.get("options"):
        errors.add(path + ("options",), "BASE_TYPE_BAD_LENGTH", "Context menu commands cannot have options.")


def validate_commands(commands: Any, errors: FormErrors) -> None:
    """Check a bulk-overwrite body: names, descriptions, option limits, duplicates."""
    if not isinstance(commands, list):
        errors.add(("_root",), "BASE_TYPE_ARRAY", "Must be an array.")
        return
    seen: set[tuple[int, str]] = set()
    chat_count = 0
    for index, command in enumerate(commands):
        path = (str(index),)
        ctype = command.get("type", 1)
        name = command.get("name") or ""
        if ctype == 1:
            chat_count += 1
            _validate_option({**command, "type": 1}, errors, path)
        else:
            _validate_context_menu(command, errors, path)
        key = (ctype, name)
        if key in seen:
            errors.add(
                path + ("name",), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"
            )
        seen.add(key)
    if chat_count > GLOBAL_CHAT_COMMANDS_MAX:
        errors.max_length(("_root",), GLOBAL_CHAT_COMMANDS_MAX)
