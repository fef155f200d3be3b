"""A log action's line in two halves, so that a hit costs the application little. On the app's
thread, `hold` keeps what a placeholder read at the hit: primitives as they are (immutable, so
nothing to copy), a small plain dict, list or tuple of primitives as a copy made by C code,
anything else captured at once by the read-only serializer, its strings left as they are. On the
agent's thread, `message` redacts, shortens and renders them into the text."""
from __future__ import annotations

from typing import Any

from .redaction import Redaction
from .serialize import Capture, CaptureLimits, Redacted, render

# Immutable values: the value at the hit is the value later, read on any thread.
AS_IS = (str, int, float, bool, type(None), Redacted)


class Failed:
    """A placeholder whose expression could not be evaluated at the hit: the line shows `<why>`."""
    __slots__ = ('reason',)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class Copied:
    """A plain dict, list or tuple of primitives, copied at the hit; serialized on the agent's thread."""
    __slots__ = ('value',)

    def __init__(self, value: Any) -> None:
        self.value = value


class Held:
    """An object captured at the hit; `Capture.finish` completes it on the agent's thread."""
    __slots__ = ('capture', 'tree')

    def __init__(self, capture: Capture, tree: dict[str, Any]) -> None:
        self.capture = capture
        self.tree = tree


def hold(value: Any, limits: CaptureLimits, redaction: Redaction) -> Any:
    """On the app's thread: the value as the line will show it, whatever the app does next."""
    kind = type(value)
    if kind in AS_IS:
        return value
    # Exact built-in types only: their C methods copy them at once, and no subclass override runs.
    if kind is dict:
        items = list(dict.items(value))
        if len(items) <= limits.properties and all(type(k) is str and type(v) in AS_IS for k, v in items):
            return Copied(dict(items))  # string keys: building it runs no application __hash__ or __eq__
    elif kind is list or kind is tuple:
        copy = list.copy(value) if kind is list else value
        if len(copy) <= limits.items and all(type(v) in AS_IS for v in copy):
            return Copied(copy)
    capture = Capture(limits, redaction, defer_strings=True)
    return Held(capture, capture.value(value))


def shown(value: Any, limits: CaptureLimits, redaction: Redaction) -> str:
    """The text of one placeholder, in the Node agent's format (a string bare, objects rendered)."""
    kind = type(value)
    if kind is str:
        text = redaction.scrub(value)
        limit = limits.string_length
        return text if len(text) <= limit else f'{text[:limit]}…(+{len(text) - limit} chars)'
    if kind is int or kind is float:
        return repr(value)
    if kind is Failed:
        return f'<{value.reason}>'
    if kind is Copied:
        return render(Capture(limits, redaction).value(value.value))
    if kind is Held:
        return render(value.capture.finish(value.tree))
    return render(Capture(limits, redaction).value(value))


def message(parts: list[tuple[str, Any]], values: list[Any], limits: CaptureLimits, redaction: Redaction) -> str:
    """On the agent's thread: the template's text with the values `hold` kept, in order."""
    held = iter(values)
    return ''.join(text if evaluate is None else shown(next(held), limits, redaction) for text, evaluate in parts)
