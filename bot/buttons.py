"""Typed button payloads: one small class per kind of button, `prefix:field:field…` on the wire.

In the spirit of aiogram's `CallbackData` (without depending on it): a kind declares its prefix
and its fields once; the code that shows a button packs an instance, and the router unpacks a
pressed payload into the same class before the handler sees it (bot/router.py, `Router.on`).
A payload that does not unpack (forged, or malformed) never reaches the handler.

The wire format is the one the handlers wrote by hand before, so buttons already sent in chats
still resolve:
- fields are separated by ':'; the last `str` field takes the rest, colons included;
- a trailing field with a default may be left out (older buttons had fewer fields), and `pack`
  leaves it out when it holds its default;
- an `Offset` field reads anything that is not a short number as 0;
- `int` fields are ASCII digits that fit a database integer column (bot/ids.py), `str` fields
  other than the last hold no ':', and a `Literal[...]` field is one of its values.

Long payloads (a guide's id of any length) are not this module's concern: they travel as short
tokens resolved on the server (bot/button_payloads.py), before unpacking and after packing.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any, ClassVar, Literal, NewType, Self

from bot.ids import MAX_ID

#: what a prefix may be: short, ASCII letters, digits and '_' (never the token mark '~')
PREFIX_MAX_CHARS = 12
SEPARATOR = ":"
#: digits of an int field (MAX_ID has 10)
_INT_MAX_DIGITS = 12

#: a page offset ('Xem thêm'): text that is not a short number reads as 0, the first page, as the
#: handlers always read it (a forged offset shows the first page rather than "no longer valid")
Offset = NewType("Offset", int)
_OFFSET_MAX_DIGITS = 5

Parser = Callable[[str], Any]  # returns _INVALID when the text does not fit the field


class _Invalid:
    """The marker a field parser returns for text that does not fit."""


_INVALID = _Invalid()


def _valid_prefix(prefix: str) -> bool:
    return (0 < len(prefix) <= PREFIX_MAX_CHARS and prefix.isascii()
            and all(c.isalnum() or c == "_" for c in prefix))


def _parse_int(text: str) -> Any:
    if not text or len(text) > _INT_MAX_DIGITS or not text.isascii() or not text.isdigit():
        return _INVALID
    value = int(text)
    return value if value <= MAX_ID else _INVALID


def _parse_offset(text: str) -> Any:
    if text.isascii() and text.isdigit() and len(text) <= _OFFSET_MAX_DIGITS:
        return Offset(int(text))
    return Offset(0)


def _parse_str(text: str) -> Any:
    return text


def _literal_parser(values: tuple[object, ...]) -> Parser:
    allowed = frozenset(str(v) for v in values)

    def parse(text: str) -> Any:
        return text if text in allowed else _INVALID

    return parse


def _parser(hint: object) -> Parser:
    if hint is Offset:
        return _parse_offset
    if hint is int:
        return _parse_int
    if hint is str:
        return _parse_str
    if typing.get_origin(hint) is Literal:
        values = typing.get_args(hint)
        if not all(isinstance(v, str) for v in values):
            raise TypeError(f"button field Literal{values!r}: only str values are supported")
        return _literal_parser(values)
    raise TypeError(f"button field type {hint!r} is not supported (int, str, Literal[str, …])")


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    parse: Parser
    has_default: bool
    default: object
    last_str: bool  # the last field, a str: takes the rest of the payload, colons included


class ButtonData:
    """Base of a kind of button: subclass it as a frozen dataclass with `prefix=`.

        @dataclass(frozen=True)
        class ImportChoice(ButtonData, prefix="imp"):
            answer: Literal["ok", "no"]
            pending_id: int

        ImportChoice("ok", 12).pack() == "imp:ok:12"
        ImportChoice.unpack("imp:ok:12") == ImportChoice("ok", 12)
    """

    prefix: ClassVar[str]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _valid_prefix(prefix):
            raise ValueError(f"button prefix {prefix!r}: 1-{PREFIX_MAX_CHARS} ASCII letters, "
                             "digits or '_'")
        cls.prefix = prefix

    def pack(self) -> str:
        """The payload: the prefix and the fields, trailing defaults left out."""
        specs = _fields(type(self))
        values = [getattr(self, f.name) for f in specs]
        while specs and specs[-1].has_default and values[-1] == specs[-1].default:
            specs, values = specs[:-1], values[:-1]
        parts = [str(v) for v in values]
        for spec, part, value in zip(specs, parts, values, strict=True):
            parsed = spec.parse(part)
            if parsed is _INVALID or parsed != value or (SEPARATOR in part and not spec.last_str):
                raise ValueError(f"{type(self).__name__}.{spec.name}={part!r} cannot be packed")
        return SEPARATOR.join((self.prefix, *parts))

    @classmethod
    def parse(cls, arg: str) -> Self | None:
        """The button from what follows 'prefix:' in a payload; None when it does not fit."""
        specs = _fields(cls)
        if not specs:
            return cls()  # extra text after a field-less prefix is ignored, as it always was
        parts = arg.split(SEPARATOR, len(specs) - 1) if arg else []
        values: dict[str, Any] = {}
        for i, spec in enumerate(specs):
            if i >= len(parts):
                if not spec.has_default:
                    return None
                values[spec.name] = spec.default
                continue
            value = spec.parse(parts[i])
            if value is _INVALID:
                return None
            values[spec.name] = value
        return cls(**values)

    @classmethod
    def unpack(cls, payload: str) -> Self | None:
        """The button a whole payload means, or None (another prefix, or fields that do not fit)."""
        prefix, _, arg = payload.partition(SEPARATOR)
        return cls.parse(arg) if prefix == cls.prefix else None


def _fields(cls: type[ButtonData]) -> tuple[_Field, ...]:
    """The fields of a kind, read once from its annotations and kept on the class."""
    cached: tuple[_Field, ...] | None = cls.__dict__.get("_button_fields")
    if cached is None:
        cached = _describe(cls)
        setattr(cls, "_button_fields", cached)  # noqa: B010 (not an attribute of the instances)
    return cached


def _describe(cls: type[ButtonData]) -> tuple[_Field, ...]:
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass")
    hints = typing.get_type_hints(cls)
    declared = dataclasses.fields(cls)
    result: list[_Field] = []
    for i, f in enumerate(declared):
        hint = hints[f.name]
        has_default = f.default is not dataclasses.MISSING
        result.append(_Field(name=f.name, parse=_parser(hint), has_default=has_default,
                             default=f.default if has_default else None,
                             last_str=i == len(declared) - 1 and hint is str))
    return tuple(result)


def kinds() -> list[type[ButtonData]]:
    """Every kind of button defined so far (those of imported modules), for checks and docs."""
    found: list[type[ButtonData]] = []
    pending = list(ButtonData.__subclasses__())
    while pending:
        kind = pending.pop()
        if "prefix" in kind.__dict__:  # a class whose prefix was refused is not a kind
            found.append(kind)
        pending.extend(kind.__subclasses__())
    return sorted(found, key=lambda k: k.prefix)
