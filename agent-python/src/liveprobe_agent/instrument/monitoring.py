"""The mechanism on Python 3.12+: sys.monitoring with local events set on just the probed code
objects (LINE, PY_START, PY_RETURN), so code without actions runs at full speed and closures
created later share the events of their code object. Locations without a site are disabled
the first time they report."""
from __future__ import annotations

import sys
import types
from typing import Any

from .sites import Site

TOOL_NAME = 'liveprobe'


class Monitor:
    def __init__(self) -> None:
        monitoring: Any = sys.monitoring  # type: ignore[attr-defined]
        self.m = monitoring
        self.tool = next((t for t in (4, 3, 5, 2) if monitoring.get_tool(t) is None), None)
        if self.tool is None:
            raise RuntimeError('every sys.monitoring tool id is taken by other tools')
        monitoring.use_tool_id(self.tool, TOOL_NAME)
        self.lines: dict[tuple[types.CodeType, int], Site] = {}
        self.entries: dict[types.CodeType, Site] = {}
        self.returns: dict[types.CodeType, Site] = {}
        events = monitoring.events
        monitoring.register_callback(self.tool, events.LINE, self._line)
        monitoring.register_callback(self.tool, events.PY_START, self._start)
        monitoring.register_callback(self.tool, events.PY_RETURN, self._return)

    def apply(self, code: types.CodeType, sites: list[Site]) -> None:
        for key in [k for k in self.lines if k[0] is code]:
            del self.lines[key]
        self.entries.pop(code, None)
        self.returns.pop(code, None)
        events = self.m.events
        wanted = 0
        for site in sites:
            if site.kind == 'line':
                self.lines[(code, site.line)] = site
                wanted |= events.LINE
            elif site.kind == 'entry':
                self.entries[code] = site
                wanted |= events.PY_START
            else:
                self.returns[code] = site
                wanted |= events.PY_RETURN
        self.m.set_local_events(self.tool, code, wanted)
        # Locations disabled earlier (no site then) report again.
        self.m.restart_events()

    def close(self) -> None:
        for event in (self.m.events.LINE, self.m.events.PY_START, self.m.events.PY_RETURN):
            self.m.register_callback(self.tool, event, None)
        self.m.free_tool_id(self.tool)

    def _line(self, code: types.CodeType, line: int) -> Any:
        site = self.lines.get((code, line))
        if site is None:
            return self.m.DISABLE
        frame = sys._getframe(1)
        if frame.f_lasti in site.continuations:
            # The statement's run already hit at its start: this place never reports again.
            return self.m.DISABLE
        site.fire_frame(frame)
        return None

    def _start(self, code: types.CodeType, _offset: int) -> Any:
        site = self.entries.get(code)
        if site is None:
            return self.m.DISABLE
        site.fire_frame(sys._getframe(1))
        return None

    def _return(self, code: types.CodeType, _offset: int, _value: object) -> Any:
        site = self.returns.get(code)
        if site is None:
            return self.m.DISABLE
        site.fire_frame(sys._getframe(1))
        return None
