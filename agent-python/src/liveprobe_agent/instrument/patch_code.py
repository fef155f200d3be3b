"""The mechanism on Python 3.11: no trace function. The probed code object is rebuilt (with the
`bytecode` library) with a stack-neutral call to its sites at the start of every run of the
probed line (or after the prologue for a function's entry, before each RETURN_VALUE for its
exits), and `__code__` is swapped on every function object that uses it, found through the
garbage collector. Parent code objects get the new code among their constants, so closures
created later run it too. Removing the last site restores the original code."""
from __future__ import annotations

import gc
import types
from typing import Any, cast
from bytecode import Bytecode, Instr, Label

from .sites import Site
from .statements import continuations

class CodePatcher:
    def __init__(self, parents: dict[types.CodeType, types.CodeType]) -> None:
        # Child code → the code object holding it as a constant (as loaded, never patched).
        self.parents = parents
        self.sites: dict[types.CodeType, list[Site]] = {}
        self.current: dict[types.CodeType, types.CodeType] = {}

    def learn(self, parents: dict[types.CodeType, types.CodeType]) -> None:
        for child, parent in parents.items():
            self.parents.setdefault(child, parent)

    def apply(self, original: types.CodeType, sites: list[Site]) -> None:
        """Makes `original`'s functions run `sites` (none: the original code again)."""
        if sites:
            self.sites[original] = list(sites)
        else:
            self.sites.pop(original, None)
        changed = [original]
        parent = self.parents.get(original)
        while parent is not None:
            changed.append(parent)
            parent = self.parents.get(parent)
        swaps: dict[types.CodeType, types.CodeType] = {}
        for code in changed:
            before = self.current.get(code, code)
            after = self._build(code)
            if after is code:
                self.current.pop(code, None)
            else:
                self.current[code] = after
            swaps[before] = after
        _swap_functions(swaps)

    def _build(self, original: types.CodeType) -> types.CodeType:
        sites = self.sites.get(original, [])
        code = original
        if sites:
            code = _inject(original, sites)
        replaced = tuple(self.current.get(c, c) if isinstance(c, types.CodeType) else c for c in code.co_consts)
        if replaced != code.co_consts:
            code = code.replace(co_consts=replaced)
        return code


def _call(site: Site, location: Any) -> list[Instr]:
    return [
        Instr('PUSH_NULL', location=location),
        Instr('LOAD_CONST', cast(Any, site.fire), location=location),
        Instr('PRECALL', 0, location=location),
        Instr('CALL', 0, location=location),
        Instr('POP_TOP', location=location),
    ]


def _inject(original: types.CodeType, sites: list[Site]) -> types.CodeType:
    bytecode = Bytecode.from_code(original)
    items = list(bytecode)
    body_start = 0
    for index, item in enumerate(items):
        if isinstance(item, Instr) and item.name == 'RESUME':
            body_start = index + 1
            break
    # As CPython's own line events: a new line, or a backward jump (a loop) to the same line; not
    # the jump an `await` takes back to its SEND when the coroutine resumes (NO_INTERRUPT), which
    # is the same run of the line.
    loop_heads = {id(i.arg) for i in items if isinstance(i, Instr) and i.name == 'JUMP_BACKWARD'}
    # Not where the line comes back within one run of its statement (statements.py).
    instrs = [i for i in items if isinstance(i, Instr)]
    spans = [(i.location.lineno, i.location.end_lineno) if i.location else (i.lineno, i.lineno) for i in instrs]
    lines = {site.line for site in sites if site.kind == 'line'}
    skip = {id(instrs[index]) for line in lines for index in continuations(spans, line)}
    out: list[object] = []
    previous_line: int | None = None
    entered = False
    for index, item in enumerate(items):
        if isinstance(item, Label):
            if id(item) in loop_heads:
                previous_line = None
            out.append(item)
            continue
        if isinstance(item, Instr) and index >= body_start:
            line = item.lineno
            if not entered and line is not None:
                entered = True
                out.extend(ins for site in sites if site.kind == 'entry' for ins in _call(site, item.location))
            if line is not None and line != previous_line and id(item) not in skip:
                out.extend(ins for site in sites if site.kind == 'line' and site.line == line for ins in _call(site, item.location))
            if item.name == 'RETURN_VALUE':
                out.extend(ins for site in sites if site.kind == 'return' for ins in _call(site, item.location))
            previous_line = line if line is not None else previous_line
        out.append(item)
    bytecode.clear()
    bytecode.extend(out)
    return bytecode.to_code()


def _swap_functions(swaps: dict[types.CodeType, types.CodeType]) -> None:
    for obj in gc.get_objects():
        if type(obj) is types.FunctionType:
            replacement = swaps.get(obj.__code__)
            if replacement is not None and replacement is not obj.__code__:
                obj.__code__ = replacement
