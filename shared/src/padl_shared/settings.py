"""A question's recipe changed from the command line: `--set key=value` on its ``TrainConfig``.

The keys are the config's fields (but ``data``, ``seed`` and ``refit``, which have flags of their own); a value is
parsed to the field's type. A bad key or value is a ``DataError`` of one line, raised before any run is opened.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from padl_shared.errors import DataError

OWN_FLAGS = ("data", "seed", "refit")  # --data, --seed, --holdout
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def settable(config_type) -> dict[str, Any]:
    """The fields ``--set`` reaches, with their types."""
    hints = typing.get_type_hints(config_type)
    return {field.name: hints[field.name] for field in dataclasses.fields(config_type) if field.name not in OWN_FLAGS}


def _parse(text: str, kind) -> Any:
    """``text`` as a value of type ``kind``; ValueError naming the type it expected."""
    options = typing.get_args(kind) if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union \
        else ()
    if options:
        if text.lower() == "none" and type(None) in options:
            return None
        return _parse(text, next(option for option in options if option is not type(None)))
    if typing.get_origin(kind) is tuple:
        element = typing.get_args(kind)[0]
        return tuple(_parse(part.strip(), element) for part in text.split(",") if part.strip())
    if kind is bool:
        if text.lower() in TRUE + FALSE:
            return text.lower() in TRUE
        raise ValueError("true or false")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise ValueError("a whole number") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise ValueError("a number") from None
    return text


def _type_name(kind) -> str:
    return getattr(kind, "__name__", None) or str(kind).replace("typing.", "")


def parse_overrides(config_type, pairs: list[str] | None, question: str) -> dict[str, Any]:
    """``["lr=1e-3", "epochs=60"]`` → ``{"lr": 0.001, "epochs": 60}``, typed as ``config_type``'s fields."""
    fields, overrides = settable(config_type), {}
    for pair in pairs or []:
        key, equals, text = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            raise DataError(f"--set {pair}: expected KEY=VALUE, e.g. --set {next(iter(fields))}=…")
        if key not in fields:
            raise DataError(f"--set {pair}: {question} has no setting {key!r}; the settings are: {', '.join(fields)}")
        try:
            overrides[key] = _parse(text.strip(), fields[key])
        except ValueError as expected:
            raise DataError(f"--set {pair}: {key} takes {expected} ({_type_name(fields[key])}), "
                            f"got {text.strip()!r}") from None
    return overrides


def changed_settings(config) -> dict[str, Any]:
    """The settings of ``config`` that differ from its recipe's defaults (but ``data``, ``seed``, ``refit``):
    what a run's name and its ``padl.changed`` tag say, so the MLflow UI shows what changed."""
    default = type(config)()
    return {name: getattr(config, name) for name in settable(type(config))
            if getattr(config, name) != getattr(default, name)}


def describe(settings: dict[str, Any]) -> str:
    return " ".join(f"{name}={','.join(map(str, value)) if isinstance(value, tuple) else value}"
                    for name, value in settings.items())
