"""The variables an expression sees at a probed line: the frame's locals (arguments, locals,
closure cells), then its module's globals. `this` is the method's `self` (or `cls`)."""
from __future__ import annotations

import types
from typing import Any

from .safe_read import Unavailable

_NAMED = {'True': True, 'False': False, 'None': None}


class FrameScope:
    __slots__ = ('frame', '_locals')

    def __init__(self, frame: types.FrameType) -> None:
        self.frame = frame
        self._locals: dict[str, Any] | None = None

    @property
    def locals(self) -> dict[str, Any]:
        # Reading f_locals copies the fast locals into a dict: once per hit, only when needed.
        if self._locals is None:
            self._locals = self.frame.f_locals
        return self._locals

    def lookup(self, name: str) -> Any:
        scope = self.locals
        if name in scope:
            return scope[name]
        module = self.frame.f_globals
        if name in module:
            return module[name]
        if name in _NAMED:
            return _NAMED[name]
        raise Unavailable(f'`{name}` is not available at this line')

    def this(self) -> Any:
        scope = self.locals
        for name in ('self', 'cls'):
            if name in scope:
                return scope[name]
        raise Unavailable('`this` is not available at this line: the function has no `self`')
