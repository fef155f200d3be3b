"""Reading the application's objects without running any of its code: attributes are looked
up statically in the instance's `__dict__` and the class's MRO dictionaries (as
inspect.getattr_static does), so no property, descriptor, `__getattr__`,
`__getattribute__`, `__eq__`, `__len__` or `__repr__` of an application class ever runs.
Only C-level slot and getset descriptors (`__slots__`, built-in attributes) are read."""
from __future__ import annotations

import types
from typing import Any

PRIMITIVES = (type(None), bool, int, float, str)
SAFE_DESCRIPTORS = (types.MemberDescriptorType, types.GetSetDescriptorType)
# Built-in containers whose C methods are called directly (never an override of a subclass).
SEQUENCES = (list, tuple)
_MRO = type.__dict__['__mro__']
_CLASS_DICT = type.__dict__['__dict__']
MISSING = object()


class EvalError(Exception):
    """An expression could not be evaluated at this hit; the app never sees it."""


class Unavailable(EvalError):
    pass


def is_a(value: Any, kinds: Any) -> bool:
    """isinstance without consulting `value.__class__`, which an application class may make a property."""
    return issubclass(type(value), kinds)


def is_primitive(value: Any) -> bool:
    return type(value) in PRIMITIVES


def mro_of(cls: type) -> tuple[type, ...]:
    return _MRO.__get__(cls, type(cls))  # type: ignore[no-any-return]


def class_dict(cls: type) -> Any:
    return _CLASS_DICT.__get__(cls, type(cls))


def class_lookup(cls: type, name: str) -> Any:
    for klass in mro_of(cls):
        found = class_dict(klass).get(name, MISSING)
        if found is not MISSING:
            return found
    return MISSING


def instance_dict(obj: Any) -> dict[str, Any] | None:
    """The instance's own attributes, read through the C descriptor; None when it has none."""
    descriptor = class_lookup(type(obj), '__dict__')
    if type(descriptor) not in SAFE_DESCRIPTORS:
        return None
    try:
        found = descriptor.__get__(obj, type(obj))
    except Exception:
        return None
    return found if is_a(found, dict) else None


def own_detail(error: BaseException) -> str:
    """The message an exception that passes no arguments to `Exception` keeps as its own `detail`
    (Starlette's and FastAPI's HTTPException; Tornado's HTTPError, as its log message): read from
    its instance `__dict__`, a plain str or int only, so that no property or `__str__` of the
    application runs; '' when it has none."""
    own = instance_dict(error)
    detail = MISSING if own is None else dict.get(own, 'detail', MISSING)
    if detail is MISSING and own is not None and type(error.args) is tuple and not error.args:
        # Tornado's HTTPError(409, 'short by 2') keeps its text as `_log_message` (in older releases
        # `log_message`), and the values a `%s` in it takes as its args: none, so it is the text.
        detail = dict.get(own, '_log_message', dict.get(own, 'log_message', MISSING))
    if type(detail) is str:
        return detail
    if type(detail) is int:
        try:
            return int.__repr__(detail)
        except ValueError:  # more digits than Python converts
            return ''
    return ''


def is_data_descriptor(value: Any) -> bool:
    kind = type(value)
    return class_lookup(kind, '__set__') is not MISSING or class_lookup(kind, '__delete__') is not MISSING


def has_get(value: Any) -> bool:
    return class_lookup(type(value), '__get__') is not MISSING


# Objects whose attribute read may return the stored object itself (binding would run __get__).
PLAIN_CALLABLES = (types.FunctionType, staticmethod, classmethod, types.BuiltinFunctionType, type)


def read_attribute(obj: Any, name: str, src: str) -> Any:
    """`obj.name`, statically. Raises EvalError naming `src` when reading it would run code."""
    if is_a(obj, type):
        return _class_attribute(obj, name, src)
    cls = type(obj)
    attr = class_lookup(cls, name)
    if attr is not MISSING and is_data_descriptor(attr):
        return _descriptor(attr, obj, src)
    own = instance_dict(obj)
    if own is not None:
        value = dict.get(own, name, MISSING)
        if value is not MISSING:
            return value
    if attr is MISSING:
        if class_lookup(cls, '__getattr__') is not MISSING:
            raise EvalError(f'`{src}`: not an attribute of the object, and liveprobe never runs its class\'s __getattr__')
        return None
    if is_a(attr, PLAIN_CALLABLES) or not has_get(attr):
        return attr
    raise EvalError(f'`{src}` is a {type(attr).__name__} descriptor; liveprobe never runs application code to read it')


def _descriptor(attr: Any, obj: Any, src: str) -> Any:
    if type(attr) in SAFE_DESCRIPTORS:
        try:
            return attr.__get__(obj, type(obj))
        except AttributeError:
            raise Unavailable(f'`{src}` is not set') from None
    if is_a(attr, property):
        raise EvalError(f'`{src}` is a property; liveprobe never runs properties')
    raise EvalError(f'`{src}` is a {type(attr).__name__} descriptor; liveprobe never runs application code to read it')


def _class_attribute(cls: type, name: str, src: str) -> Any:
    value = class_lookup(cls, name)
    if value is MISSING:
        return None
    if is_a(value, (property, *PLAIN_CALLABLES)) or not has_get(value) or type(value) in SAFE_DESCRIPTORS:
        return value
    raise EvalError(f'`{src}` is a {type(value).__name__} descriptor; liveprobe never runs application code to read it')


def read_item(obj: Any, key: Any, src: str) -> Any:
    """`obj[key]` on built-in containers (their C methods, never a subclass's override), or an attribute."""
    if is_a(obj, dict):
        if not is_primitive(key):
            raise EvalError(f'`{src}`: a key must be a string or a number')
        return dict.get(obj, key)
    if is_a(obj, SEQUENCES) or type(obj) is str:
        if type(key) is not int:
            if type(key) is str:
                return read_attribute(obj, key, src)
            raise EvalError(f'`{src}`: an index must be a whole number')
        base = list if is_a(obj, list) else tuple if is_a(obj, tuple) else str
        length = base.__len__(obj)
        if -length <= key < length:
            return base.__getitem__(obj, key)
        return None
    if type(key) is str:
        return read_attribute(obj, key, src)
    raise EvalError(f'`{src}`: only dicts, lists, tuples and strings are indexed by a number')


def safe_len(value: Any) -> int:
    """The length of a built-in container or string; an object's number of own attributes."""
    for base in (str, list, tuple, dict, set, frozenset, bytes, bytearray):
        if is_a(value, base):
            return base.__len__(value)  # type: ignore[attr-defined,no-any-return]
    own = instance_dict(value)
    if own is not None:
        return dict.__len__(own)
    raise EvalError(f'len() of a {type(value).__name__} would run its code; liveprobe only measures strings, containers and plain objects')


def safe_keys(value: Any, limit: int = 100) -> list[Any]:
    if is_a(value, dict):
        keys = list(dict.keys(value))
    else:
        own = instance_dict(value)
        if own is None:
            raise EvalError(f'keys() of a {type(value).__name__}: it has no attributes liveprobe can list')
        keys = list(dict.keys(own))
    return keys[:limit]


def safe_has(value: Any, key: Any) -> bool:
    if is_a(value, dict):
        return is_primitive(key) and dict.__contains__(value, key)
    if is_a(value, (set, frozenset)):
        return is_primitive(key) and (set.__contains__(value, key) if is_a(value, set) else frozenset.__contains__(value, key))
    if type(key) is not str:
        return False
    own = instance_dict(value)
    return (own is not None and dict.__contains__(own, key)) or class_lookup(type(value), key) is not MISSING
