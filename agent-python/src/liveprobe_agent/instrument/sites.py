"""A probe site: one place in one code object (a line, a function's entry, or its returns) and
the callbacks the actions installed there run. The mechanisms (patched bytecode on 3.11,
sys.monitoring local events on 3.12+) call `fire` from the application's frame."""
from __future__ import annotations

import sys
import types
from typing import Callable

from .statements import continuation_offsets

Callback = Callable[[types.FrameType], None]
_getframe = sys._getframe


class Site:
    __slots__ = ('code', 'kind', 'line', 'callbacks', 'continuations')

    def __init__(self, code: types.CodeType, kind: str, line: int) -> None:
        self.code = code
        self.kind = kind  # 'line', 'entry' or 'return'
        self.line = line
        self.callbacks: tuple[Callback, ...] = ()
        # Where the line is reported again within one run of its statement (statements.py).
        self.continuations = continuation_offsets(code, line) if kind == 'line' else frozenset()

    def fire(self) -> None:
        """Called by patched bytecode: the caller's frame is the probed one."""
        frame = _getframe(1)
        for callback in self.callbacks:
            callback(frame)

    def fire_frame(self, frame: types.FrameType) -> None:
        for callback in self.callbacks:
            callback(frame)
