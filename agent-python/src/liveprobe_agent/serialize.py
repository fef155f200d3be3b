"""Captures application values as the protocol's CapturedValue JSON, bounded (depth, properties,
items, string length, bytes per capture) and redacted, without running application code: only
instance dictionaries, `__slots__` and built-in containers' C methods are read. Also renders a
captured value as the text a log line shows, in the Node agent's format."""
from __future__ import annotations

import datetime
import json
import math
import re
import types
from dataclasses import dataclass
from typing import Any

from .redaction import Redaction
from .safe_read import MISSING, class_dict, instance_dict, is_a, mro_of, own_detail

BIG = 2 ** 53
# How much of a bytes value is read as text for the value patterns: a header's worth and more.
BYTES_SCRUBBED = 4096
IDENTIFIER = re.compile(r'[A-Za-z_$][\w$]*')
BUILTIN_MODULES = ('builtins',)


@dataclass
class CaptureLimits:
    depth: int = 3
    properties: int = 20
    items: int = 20
    string_length: int = 256
    total_bytes: int = 16384


class Redacted:
    """A value hidden by redaction: prints [REDACTED], and every operator refuses it."""
    __slots__ = ()


REDACTED = Redacted()


class Capture:
    """One capture (a snapshot or a log line): its byte budget is shared by every value in it.
    With `defer_strings`, strings are kept as they are (immutable, so still the value at the hit)
    and `finish` redacts and shortens them later, on the agent's thread."""

    def __init__(self, limits: CaptureLimits, redaction: Redaction, defer_strings: bool = False) -> None:
        self.limits = limits
        self.redaction = redaction
        self.left = limits.total_bytes
        self.truncated = False
        self.defer_strings = defer_strings

    def value(self, value: Any, depth: int = 0, path: tuple[int, ...] = ()) -> dict[str, Any]:
        if self.left <= 0:
            self.truncated = True
            return {'t': 'truncated'}
        captured = self._value(value, depth, path)
        t = captured['t']
        if t in ('object', 'array', 'map', 'set'):
            self.left -= 16
        else:
            # A deferred string will be shortened to the limit: it counts as that.
            self.left -= 16 + (min(len(captured['v']), self.limits.string_length) if t == 'string' else len(str(captured.get('v', ''))))
        return captured

    def named(self, name: str, value: Any) -> dict[str, Any]:
        if self.redaction.is_secret_key(name):
            return {'name': name, 'value': {'t': 'redacted'}}
        return {'name': name, 'value': self.value(value)}

    def _value(self, value: Any, depth: int, path: tuple[int, ...]) -> dict[str, Any]:
        kind = type(value)
        if value is None:
            return {'t': 'null'}
        if kind is bool:
            return {'t': 'boolean', 'v': value}
        if kind is int:
            return {'t': 'number', 'v': value} if -BIG < value < BIG else {'t': 'bigint', 'v': str(value)}
        if kind is float:
            negative_zero = value == 0 and math.copysign(1, value) < 0
            return {'t': 'number', 'v': value if math.isfinite(value) and not negative_zero else _float_text(value)}
        if kind is str:
            return self._string(value)
        if value is REDACTED:
            return {'t': 'redacted'}
        if id(value) in path:
            return {'t': 'circular'}
        cls_name = kind.__name__
        if is_a(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
            return {'t': 'function', 'name': _own(value, '__qualname__') or _own(value, '__name__') or ''}
        if is_a(value, type):
            return {'t': 'function', 'name': class_dict(value).get('__qualname__', '') if isinstance(class_dict(value).get('__qualname__'), str) else '', 'cls': 'class'}
        if is_a(value, BaseException):
            args = value.args if type(value.args) is tuple else ()
            message = ', '.join(self.redaction.scrub(a) if type(a) is str else repr(a) for a in args if type(a) in (str, int, float, bool))
            if not message:
                message = self.redaction.scrub(own_detail(value))
            return {'t': 'error', 'cls': cls_name, 'message': message[: self.limits.string_length]}
        if kind in (datetime.datetime, datetime.date, datetime.time):
            return {'t': 'date', 'v': kind.isoformat(value)}
        if kind is re.Pattern:
            return {'t': 'regexp', 'v': f'/{value.pattern}/'}
        if depth >= self.limits.depth:
            return {'t': 'depth', 'cls': cls_name}
        inner = path + (id(value),)
        if is_a(value, dict):
            return self._dict(value, cls_name, depth, inner)
        if is_a(value, (list, tuple)):
            base = list if is_a(value, list) else tuple
            length = base.__len__(value)
            items = [self.value(base.__getitem__(value, i), depth + 1, inner) for i in range(min(length, self.limits.items))]
            if length == 2 and base is tuple and self._names_secret(base.__getitem__(value, 0)):
                # A `(name, value)` pair, as ASGI's headers and dict.items() give them: the name says it is secret.
                items[1] = {'t': 'redacted'}
            out: dict[str, Any] = {'t': 'array', 'len': length, 'items': items}
            if kind is not list:
                out['cls'] = cls_name
            if length > len(items):
                out['more'] = length - len(items)
            return out
        if is_a(value, (set, frozenset)):
            members = list(set.__iter__(value) if is_a(value, set) else frozenset.__iter__(value))
            shown = [self.value(m, depth + 1, inner) for m in members[: self.limits.items]]
            return {'t': 'set', 'size': len(members), 'items': shown, **({'more': len(members) - len(shown)} if len(members) > len(shown) else {})}
        if is_a(value, (bytes, bytearray)):
            raw: Any = bytes if is_a(value, bytes) else bytearray
            length = raw.__len__(value)
            # Bytes are text often (ASGI's headers): shown as numbers, a token would pass the value
            # patterns that mask it in a string, so bytes whose text holds a secret are hidden whole.
            text = bytes.decode(bytes(raw.__getitem__(value, slice(0, BYTES_SCRUBBED))), 'utf-8', 'replace')
            if self.redaction.scrub(text) != text:
                return {'t': 'redacted'}
            shown = list(raw.__getitem__(value, slice(0, self.limits.items)))
            return {'t': 'typedarray', 'cls': cls_name, 'len': length, 'items': shown, **({'more': length - len(shown)} if length > len(shown) else {})}
        return self._object(value, cls_name, depth, inner)

    def _names_secret(self, name: Any) -> bool:
        if type(name) is bytes:
            name = bytes.decode(name, 'utf-8', 'replace')
        return type(name) is str and self.redaction.is_secret_key(name)

    def _string(self, text: str) -> dict[str, Any]:
        if self.defer_strings:
            return {'t': 'string', 'v': text}
        return self._shown(text)

    def _shown(self, text: str) -> dict[str, Any]:
        text = self.redaction.scrub(text)
        limit = self.limits.string_length
        return {'t': 'string', 'v': text} if len(text) <= limit else {'t': 'string', 'v': text[:limit], 'len': len(text)}

    def finish(self, captured: dict[str, Any]) -> dict[str, Any]:
        """Redacts and shortens, in place, the strings a `defer_strings` capture kept as they were."""
        t = captured['t']
        if t == 'string':
            shown = self._shown(captured['v'])
            captured.clear()
            captured.update(shown)
        elif t == 'object':
            for _, item in captured['props']:
                self.finish(item)
        elif t in ('array', 'set'):
            for item in captured['items']:
                self.finish(item)
        elif t == 'map':
            for key, item in captured['entries']:
                self.finish(key)
                self.finish(item)
        return captured

    def _props(self, entries: list[tuple[str, Any]], total: int, cls: str | None, depth: int, path: tuple[int, ...]) -> dict[str, Any]:
        props = []
        for key, item in entries[: self.limits.properties]:
            secret = self.redaction.is_secret_key(key)
            props.append([key, {'t': 'redacted'} if secret else item if type(item) is dict and item.get('t') == 'getter' and len(item) == 1 else self.value(item, depth + 1, path)])
        out: dict[str, Any] = {'t': 'object', 'props': props}
        if cls is not None:
            out['cls'] = cls
        if total > len(props):
            out['more'] = total - len(props)
        return out

    def _dict(self, value: dict[Any, Any], cls_name: str, depth: int, path: tuple[int, ...]) -> dict[str, Any]:
        keys = list(dict.keys(value))
        cls = None if type(value) is dict else cls_name
        if all(type(k) is str for k in keys[: self.limits.properties]):
            entries = [(k, dict.__getitem__(value, k)) for k in keys[: self.limits.properties]]
            return self._props(entries, len(keys), cls, depth, path)
        shown = [[self.value(k, depth + 1, path), self.value(dict.__getitem__(value, k), depth + 1, path)] for k in keys[: self.limits.items]]
        return {'t': 'map', 'size': len(keys), 'entries': shown, **({'more': len(keys) - len(shown)} if len(keys) > len(shown) else {})}

    def _object(self, value: Any, cls_name: str, depth: int, path: tuple[int, ...]) -> dict[str, Any]:
        entries: list[tuple[str, Any]] = []
        own = instance_dict(value)
        if own is not None:
            entries.extend((k, v) for k, v in dict.items(own) if type(k) is str)
        for klass in mro_of(type(value)):
            if class_dict(klass).get('__module__') in BUILTIN_MODULES:
                continue
            for name, attr in class_dict(klass).items():
                if type(attr) is types.MemberDescriptorType:
                    try:
                        entries.append((name, attr.__get__(value, type(value))))
                    except AttributeError:
                        pass
                elif is_a(attr, property) and not name.startswith('__'):
                    entries.append((name, {'t': 'getter'}))
        return self._props(entries, len(entries), cls_name, depth, path)


def _own(value: Any, name: str) -> str | None:
    try:
        found = object.__getattribute__(value, name) if is_a(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)) else MISSING
    except AttributeError:
        return None
    return found if type(found) is str else None


def _float_text(value: float) -> str:
    if math.isnan(value):
        return 'NaN'
    if math.isinf(value):
        return 'Infinity' if value > 0 else '-Infinity'
    return '-0'


def render(value: dict[str, Any], top: bool = True) -> str:
    """The text a log placeholder shows: a string bare on its own, quoted inside objects."""
    t = value['t']
    if t == 'string':
        body = value['v'] if top else json.dumps(value['v'], ensure_ascii=False)
        return body if 'len' not in value else f'{body}…(+{value["len"] - len(value["v"])} chars)'
    if t == 'null':
        return 'None'
    if t == 'undefined':
        return 'undefined'
    if t == 'boolean':
        return 'True' if value['v'] else 'False'
    if t == 'number':
        return str(value['v'])
    if t == 'bigint':
        return value['v']
    if t == 'function':
        return f'[{"class" if value.get("cls") else "Function"} {value["name"] or "(anonymous)"}]'
    if t == 'object':
        items = [f'{k if IDENTIFIER.fullmatch(k) else json.dumps(k)}: {render(v, False)}' for k, v in value['props']]
        prefix = f'{value["cls"]} ' if 'cls' in value else ''
        return prefix + _braces(items, value.get('more'))
    if t == 'array':
        items = [render(v, False) for v in value['items']] + ([f'…+{value["more"]} more'] if 'more' in value else [])
        return (f'{value["cls"]}({value["len"]}) ' if 'cls' in value else '') + f'[{", ".join(items)}]'
    if t == 'typedarray':
        items = [str(v) for v in value['items']] + ([f'…+{value["more"]} more'] if 'more' in value else [])
        return f'{value["cls"]}({value["len"]}) [{", ".join(items)}]'
    if t == 'map':
        return f'dict({value["size"]}) ' + _braces([f'{render(k, False)} => {render(v, False)}' for k, v in value['entries']], value.get('more'))
    if t == 'set':
        return f'set({value["size"]}) ' + _braces([render(v, False) for v in value['items']], value.get('more'))
    if t in ('date', 'regexp'):
        return value['v']
    if t == 'error':
        return value['cls'] if value['message'] == '' else f'{value["cls"]}: {value["message"]}'
    return {'circular': '[Circular]', 'getter': '[Getter]', 'redacted': '[REDACTED]', 'truncated': '…',
            'depth': f'[{value.get("cls", "Object")}]', 'unavailable': '<unavailable>'}.get(t, f'<{t}>')


def _braces(items: list[str], more: int | None) -> str:
    if more is not None:
        items = items + [f'…+{more} more']
    return '{}' if not items else '{ ' + ', '.join(items) + ' }'
