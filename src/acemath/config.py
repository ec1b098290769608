"""YAML configs as typed dataclasses, with ``key=value`` overrides; unknown keys are errors.

A config file is YAML whose first line is a comment giving the command that runs it, e.g.
``# acemath sft --config configs/sft/tiny.yaml``. It loads into a (nested) dataclass:

* unknown keys raise :class:`ConfigError` naming the key, the file and the nearest known keys;
* values are type-checked and coerced (``"5e-6"`` -> ``5e-06`` for a float field, ``"true"`` -> ``True``
  for a bool, ``3`` -> ``3.0``); a value that does not fit raises :class:`ConfigError`;
* overrides are dotted paths: ``train.lr=1e-5``, ``stages.0.train.lr=1e-5`` (list index) or
  ``stages.math.train.lr=1e-5`` (the list item whose ``name`` is ``math``). The value is parsed as YAML
  (``data.sources=[{path: a.jsonl}]`` works) and then coerced like a value from the file.

Supported field types: ``str``, ``int``, ``float``, ``bool``, ``X | None``, ``Literal[...]``,
``list[X]``, ``dict[str, X]``, ``Any`` and nested dataclasses.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from acemath.errors import ConfigError

T = TypeVar("T")

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def read_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a YAML mapping; a missing file, bad YAML or a non-mapping top level raise :class:`ConfigError`."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(data).__name__}")
    return data


def parse_override(item: str) -> tuple[str, Any]:
    """``"a.b=1e-5"`` -> ``("a.b", value)``; the value is parsed as YAML (strings stay strings)."""
    import yaml

    if "=" not in item:
        raise ConfigError(f"override {item!r} must look like key=value (e.g. stages.0.train.lr=1e-5)")
    key, raw = item.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"override {item!r} has an empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def apply_overrides(data: dict[str, Any], overrides: Sequence[str], cls: type | None = None) -> dict[str, Any]:
    """Set each ``key=value`` in ``data`` (in place, returned). With ``cls``, paths are checked against it."""
    for item in overrides:
        key, value = parse_override(item)
        _set_path(data, key.split("."), value, cls, item)
    return data


def load_config(cls: type[T], path: str | os.PathLike[str] | None = None, overrides: Sequence[str] = (),
                data: Mapping[str, Any] | None = None) -> T:
    """Load ``path`` (or ``data``) into ``cls``, applying ``overrides`` first; errors name the file."""
    raw = dict(data) if data is not None else (read_yaml(path) if path is not None else {})
    apply_overrides(raw, overrides, cls)
    return from_dict(cls, raw, source=str(path) if path is not None else "<config>")


def from_dict(cls: type[T], data: Any, *, source: str = "<config>", where: str = "") -> T:
    """Build dataclass ``cls`` from a mapping, recursively; unknown keys and bad values raise ConfigError."""
    return _coerce(data, cls, source, where)


def to_dict(obj: Any) -> Any:
    """A dataclass (tree) as plain JSON-able data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_dict(v) for v in obj]
    return obj


def config_header(path: str | os.PathLike[str]) -> str | None:
    """The command in a config's opening comment (``# acemath ...``), or None."""
    first = Path(path).read_text(encoding="utf-8").lstrip().splitlines()[:1]
    if first and first[0].startswith("#"):
        return first[0].lstrip("#").strip() or None
    return None


# --------------------------------------------------------------------------------------------------------------
# internals


def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _unknown_key(key: str, known: Sequence[str], source: str, where: str) -> ConfigError:
    path = f"{where}.{key}" if where else key
    close = difflib.get_close_matches(key, list(known), n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    return ConfigError(f"{source}: unknown key {path!r}.{hint} Known keys here: {', '.join(sorted(known))}")


def _is_optional(tp: Any) -> tuple[bool, Any]:
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) < len(get_args(tp)):
            inner = args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007 - runtime construction
            return True, inner
    return False, tp


def _describe(tp: Any) -> str:
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")


def _coerce(value: Any, tp: Any, source: str, where: str) -> Any:  # noqa: C901 - one switch over types
    label = where or "<top level>"

    def bad(msg: str) -> ConfigError:
        return ConfigError(f"{source}: key {label!r}: {msg}")

    if tp is Any:
        return value
    optional, inner = _is_optional(tp)
    if value is None:
        if optional:
            return None
        raise bad(f"a value is required (expected {_describe(tp)})")
    tp = inner
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        for arg in get_args(tp):
            try:
                return _coerce(value, arg, source, where)
            except ConfigError:
                continue
        raise bad(f"expected {_describe(tp)}, got {value!r}")
    if origin is Literal:
        choices = get_args(tp)
        if value in choices:
            return value
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [str(c) for c in choices], n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
        else:
            hint = ""
        raise bad(f"expected one of {', '.join(repr(c) for c in choices)}, got {value!r}.{hint}")
    if dataclasses.is_dataclass(tp):
        if dataclasses.is_dataclass(value) and isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise bad(f"expected a mapping of keys for {tp.__name__}, got {type(value).__name__}")
        hints = _hints(tp)
        fields = {f.name: f for f in dataclasses.fields(tp) if f.init}
        kwargs = {}
        for key, sub in value.items():
            if key not in fields:
                raise _unknown_key(str(key), list(fields), source, where)
            kwargs[key] = _coerce(sub, hints[key], source, f"{where}.{key}" if where else str(key))
        for name, f in fields.items():
            if name not in kwargs and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{source}: missing required key {(where + '.' + name) if where else name!r}")
        try:
            return tp(**kwargs)
        except (TypeError, ValueError) as exc:
            raise bad(str(exc)) from None
    if origin in (list, Sequence, tuple) or tp in (list, tuple):
        if not isinstance(value, list | tuple):
            raise bad(f"expected a list, got {type(value).__name__} {value!r}")
        args = get_args(tp)
        item_tp = args[0] if args else Any
        out = [_coerce(v, item_tp, source, f"{where}.{i}") for i, v in enumerate(value)]
        return tuple(out) if origin is tuple else out
    if origin in (dict, Mapping) or tp is dict:
        if not isinstance(value, Mapping):
            raise bad(f"expected a mapping, got {type(value).__name__}")
        args = get_args(tp)
        val_tp = args[1] if len(args) == 2 else Any
        return {str(k): _coerce(v, val_tp, source, f"{where}.{k}") for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise bad(f"expected true/false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise bad(f"expected an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                f = float(value.replace("_", ""))
            except ValueError:
                raise bad(f"expected an integer, got {value!r}") from None
            if f.is_integer():
                return int(f)
        raise bad(f"expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, bool):
            raise bad(f"expected a number, got {value!r}")
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.replace("_", ""))
            except ValueError:
                raise bad(f"expected a number, got {value!r}") from None
        raise bad(f"expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise bad(f"expected a string, got {type(value).__name__} {value!r}")
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise bad(f"expected {_describe(tp)}, got {value!r}")


def _field_type(cls: Any, key: str, item: str, walked: list[str]) -> Any:
    """The type of ``key`` inside type ``cls`` (dataclass, list or dict), or raise naming the override."""
    _, cls = _is_optional(cls)
    if cls is None or cls is Any:
        return Any
    if dataclasses.is_dataclass(cls):
        fields = {f.name for f in dataclasses.fields(cls) if f.init}
        if key not in fields:
            where = ".".join(walked)
            close = difflib.get_close_matches(key, list(fields), n=3, cutoff=0.5)
            hint = f" Did you mean: {', '.join(close)}?" if close else ""
            raise ConfigError(f"override {item!r}: unknown key {(where + '.' + key) if where else key!r}.{hint} "
                              f"Known keys here: {', '.join(sorted(fields))}")
        return _hints(cls)[key]
    origin = get_origin(cls)
    args = get_args(cls)
    if origin in (list, tuple, Sequence):
        return args[0] if args else Any
    if origin in (dict, Mapping):
        return args[1] if len(args) == 2 else Any
    raise ConfigError(f"override {item!r}: {'.'.join(walked)!r} is a {_describe(cls)}, not a section with keys")


def _set_path(data: Any, parts: list[str], value: Any, cls: Any, item: str) -> None:
    node: Any = data
    tp: Any = cls if cls is not None else Any
    walked: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            idx = _list_index(node, part, item, walked)
            tp = _field_type(tp, part, item, walked) if tp is not Any else Any
            walked.append(part)
            if last:
                node[idx] = value
                return
            if node[idx] is None:
                node[idx] = {}
            node = node[idx]
            continue
        if not isinstance(node, dict):
            raise ConfigError(f"override {item!r}: {'.'.join(walked)!r} is not a section with keys")
        tp = _field_type(tp, part, item, walked) if tp is not Any else Any
        walked.append(part)
        if last:
            node[part] = value
            return
        if node.get(part) is None:
            _, inner = _is_optional(tp)
            node[part] = [] if get_origin(inner) in (list, tuple) else {}
        node = node[part]


def _list_index(node: list[Any], part: str, item: str, walked: list[str]) -> int:
    if part.lstrip("-").isdigit():
        idx = int(part)
        if -len(node) <= idx < len(node):
            return idx % len(node)
        raise ConfigError(f"override {item!r}: {'.'.join(walked)} has {len(node)} items, no index {idx}")
    names = [el.get("name") for el in node if isinstance(el, dict)]
    for idx, el in enumerate(node):
        if isinstance(el, dict) and el.get("name") == part:
            return idx
    known = [str(n) for n in names if n is not None]
    raise ConfigError(f"override {item!r}: no item named {part!r} in {'.'.join(walked)} "
                      f"(names: {', '.join(known) or 'none'}; or use an index 0..{len(node) - 1})")


__all__ = ["ConfigError", "apply_overrides", "config_header", "from_dict", "load_config", "parse_override",
           "read_yaml", "to_dict"]
