"""How an option field appears on the command line, written once beside the field.

Every field of an options dataclass carries one of these under ``metadata["cli"]``, declared with the helpers
(``dpi: float = flag(144.0, "Resolution PDF pages are rendered at.")``); ``ocrvl.cli`` makes the click options
and builds the options object back from them. The module knows nothing of click, so the options stay free of it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field
from typing import Any, TypeVar

CLI = "cli"
T = TypeVar("T")


@dataclass(frozen=True)
class Flag:
    """A field set by one command-line flag.

    help: what the flag does, as ``--help`` shows it.
    name: the flag when it is not ``--field-name`` (``--no-field-name`` for a switch that is on by default).
    choices: the values allowed.
    path: the value is a file or folder (shown as PATH; the field keeps it as ``str``).
    envvar: an environment variable read when the flag is not given.
    api: what the Python API takes beyond the flag's value (per-class mappings, ...), for the docs.
    switch_off: a flag without a value that sets the field to None (``--no-repetition-guard``).
    unit: the flag counts in units of this many of the field's (``--max-upload-mb`` for a field in bytes).
    """

    help: str
    name: str | None = None
    choices: tuple[str, ...] | None = None
    path: bool = False
    envvar: str | None = None
    api: str | None = None
    switch_off: bool = False
    unit: int = 1


@dataclass(frozen=True)
class ApiOnly:
    """A field the command line does not set, and why."""

    why: str


@dataclass(frozen=True)
class Nested:
    """A field holding another options object whose own fields are flags."""


def flag(default: Any = MISSING, help: str = "", *, default_factory: Any = MISSING, **details: Any) -> Any:
    """A field set by a flag: ``dpi: float = flag(144.0, "Resolution PDF pages are rendered at.")``."""
    return field(default=default, default_factory=default_factory, metadata={CLI: Flag(help, **details)})


def api_only(default: Any = MISSING, why: str = "", *, default_factory: Any = MISSING) -> Any:
    """A field the command line does not set."""
    return field(default=default, default_factory=default_factory, metadata={CLI: ApiOnly(why)})


def nested(options: type) -> Any:
    """A field holding an ``options`` object (made with its defaults) whose own fields are flags."""
    return field(default_factory=options, metadata={CLI: Nested()})


@dataclass(frozen=True)
class FlagField:
    """One field reachable by a flag: where it sits, its value type and its default."""

    path: tuple[str, ...]  # ("inference", "max_batch_size")
    flag: Flag
    value_type: type  # the flag's: bool (a switch), int, float or str
    default: Any  # the flag's (in its unit)

    @property
    def dest(self) -> str:
        """The name click hands the value back under."""
        return "__".join(self.path)

    @property
    def option(self) -> str:
        if self.flag.name:
            return self.flag.name
        name = self.path[-1].replace("_", "-")
        return f"--no-{name}" if self.is_switch and self.default is True else f"--{name}"

    @property
    def is_switch(self) -> bool:
        return self.value_type is bool

    def value(self, given: Any) -> Any:
        """The field's value for what the command line gave (a switch: whether its flag was given)."""
        if self.flag.switch_off:
            return None if given else self.default
        if self.is_switch:
            return (not self.default) if given else self.default
        if given is None:
            return None
        if self.flag.unit != 1:
            return int(given * self.flag.unit)
        return str(given) if self.flag.path else given


def flag_fields(cls: type, prefix: tuple[str, ...] = ()) -> Iterator[FlagField]:
    """The fields of an options dataclass that a flag sets, in field order, then those of the options it holds."""
    hints = typing.get_type_hints(cls)
    for spec in dataclasses.fields(cls):
        marker = spec.metadata.get(CLI)
        if isinstance(marker, Flag):
            default = spec.default_factory() if spec.default is dataclasses.MISSING else spec.default
            value_type = bool if marker.switch_off else _scalar_type(hints[spec.name])
            if marker.unit != 1:
                value_type, default = float, default / marker.unit
            yield FlagField((*prefix, spec.name), marker, value_type, default)
    for spec in dataclasses.fields(cls):  # an object's own flags first, then those of the objects it holds
        if isinstance(spec.metadata.get(CLI), Nested):
            yield from flag_fields(hints[spec.name], (*prefix, spec.name))


def build_options(cls: type[T], given: Mapping[str, Any], prefix: tuple[str, ...] = (), **fixed: Any) -> T:
    """The options object for the flags' values in ``given`` (by ``FlagField.dest``); a field whose flag is not
    in ``given`` keeps its default, and ``fixed`` sets fields by name outright."""
    hints = typing.get_type_hints(cls)
    by_dest = {f.dest: f for f in flag_fields(cls, prefix)}
    kwargs: dict[str, Any] = {}
    for spec in dataclasses.fields(cls):
        marker, path = spec.metadata.get(CLI), (*prefix, spec.name)
        if isinstance(marker, Nested) and any(dest.startswith(f"{'__'.join(path)}__") for dest in given):
            kwargs[spec.name] = build_options(hints[spec.name], given, path)
        elif isinstance(marker, Flag) and "__".join(path) in given:
            kwargs[spec.name] = by_dest["__".join(path)].value(given["__".join(path)])
    return cls(**{**kwargs, **fixed})


def _scalar_type(hint: Any) -> type:
    """The plain type a flag gives a field typed ``float | Mapping[...] | None`` and the like: the first one."""
    union = isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union
    for option in typing.get_args(hint) if union else (hint,):
        if option in (bool, int, float, str):
            return option
    raise TypeError(f"a flag cannot set a field typed {hint}: mark it api_only or give it a plain type")


def markdown_table(cls: type) -> str:
    """Every field of ``cls`` as a Markdown table (Python name / flag, default, meaning): the README's option
    tables, made from the same metadata as ``--help``."""
    by_name = {f.path[-1]: f for f in flag_fields(cls) if len(f.path) == 1}
    rows = [("option (Python / CLI)", "default", "meaning"), ("---", "---", "---")]
    for spec in dataclasses.fields(cls):
        marker = spec.metadata.get(CLI)
        default = spec.default_factory() if spec.default is dataclasses.MISSING else spec.default
        if isinstance(marker, Flag):
            flagged = by_name[spec.name]
            shown = ("on" if default not in (False, None) else "off") if flagged.is_switch else _code(flagged.default)
            meaning = " ".join(text for text in (marker.help, marker.api) if text)
            rows.append((f"`{spec.name}` / `{flagged.option}`", shown, meaning))
        elif isinstance(marker, ApiOnly):
            rows.append((f"`{spec.name}`", _code(default), f"{marker.why} (Python only)"))
        elif isinstance(marker, Nested):
            rows.append((f"`{spec.name}`", "", f"`{type(default).__name__}`: its flags are in its own table"))
    return "\n".join("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows)


def _code(value: Any) -> str:
    return "" if value is None else f"`{value!r}`" if isinstance(value, str) else f"`{value}`"
