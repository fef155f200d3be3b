"""Chooses the mechanism for this interpreter: sys.monitoring local events on 3.12+, patched
code objects on 3.11. Both take the complete list of sites of one code object at a time."""
from __future__ import annotations

import sys
import types

from .sites import Site


class Mechanism:
    def __init__(self) -> None:
        self.sites: dict[types.CodeType, list[Site]] = {}
        if sys.version_info >= (3, 12):
            from .monitoring import Monitor
            self.monitor: object = Monitor()
            self.patcher = None
            self.name = 'sys.monitoring local events (no trace function)'
        else:
            from .patch_code import CodePatcher
            self.monitor = None
            self.patcher = CodePatcher({})
            self.name = 'patched code object (no trace function)'

    def close(self) -> None:
        """After every site is removed: give the interpreter's hook back (the sys.monitoring tool id)."""
        if self.monitor is not None:
            self.monitor.close()  # type: ignore[attr-defined]

    def originals(self) -> dict[types.CodeType, types.CodeType]:
        """Patched code → the code it was made from (3.11), to find a location again."""
        if self.patcher is None:
            return {}
        return {patched: original for original, patched in self.patcher.current.items()}

    def add(self, site: Site, parents: dict[types.CodeType, types.CodeType]) -> None:
        self.sites.setdefault(site.code, []).append(site)
        self._apply(site.code, parents)

    def remove(self, site: Site) -> None:
        sites = self.sites.get(site.code, [])
        if site in sites:
            sites.remove(site)
        if not sites:
            self.sites.pop(site.code, None)
        self._apply(site.code, {})

    def _apply(self, code: types.CodeType, parents: dict[types.CodeType, types.CodeType]) -> None:
        sites = self.sites.get(code, [])
        if self.patcher is not None:
            self.patcher.learn(parents)
            self.patcher.apply(code, sites)
        else:
            self.monitor.apply(code, sites)  # type: ignore[attr-defined]
