"""Turns the `file:line` a user names into a loaded code object and the line that has code:
the file is matched by path suffix among loaded modules (as the Node agent matches scripts),
its functions are found through the garbage collector, and nested code constants are walked
so that closures and methods are reached. A line outside every function is top-level code of
its file, which ran once, as the module was imported. While a module's body is still running
(being imported, or `__main__`), a function its body has not reached yet has no function object:
its code is only a constant of the running body, which keeps the code it started with, so the
action waits until the `def` has run (NotDefinedYetError)."""
from __future__ import annotations

import gc
import os
import sys
import types
from dataclasses import dataclass


class LocationError(Exception):
    """Why an action cannot be placed; `waiting` means a module imported later may still match."""

    def __init__(self, message: str, waiting: bool) -> None:
        super().__init__(message)
        self.waiting = waiting


# As the Node.js agent words it (protocol/src/status-words.ts, TOP_LEVEL_CODE), so both runtimes say the same.
TOP_LEVEL_CODE = 'is top-level code of its file, which runs once, as the file loads'


class NotDefinedYetError(LocationError):
    """The line is in a function the module's body has not defined yet (the module is still being
    imported, or is `__main__`): placed now, its code would be swapped only where the running body
    does not look (3.11), so the function the `def` makes would never hit. `modules` are the
    module objects of the file, whose progress says when to look again."""

    def __init__(self, name: str, path: str, modules: list[types.ModuleType]) -> None:
        super().__init__(
            f'`{name}` in {path} is not defined yet: the module is still running its body (being imported) and has not '
            'reached it; the action installs once the function is defined', True)
        self.modules = modules


class TopLevelLineError(LocationError):
    """The line is outside every function (a module's or a class's body): it ran as the module was
    imported, before the action could be installed, and will not run again. The Node.js agent
    installs such an action with a note, since a script that loads later runs it once with the
    action in place; a Python module's code has run by the time the agent sees the module."""

    def __init__(self, line: int, path: str) -> None:
        super().__init__(
            f'line {line} of {path} {TOP_LEVEL_CODE}: it ran when the module was imported and will not run again; '
            'put the action on a line inside a function', False)
        self.line = line


@dataclass
class Located:
    path: str
    code: types.CodeType
    line: int
    parents: dict[types.CodeType, types.CodeType]


def normalize(file: str) -> str:
    out = file.strip().replace('\\', '/')
    if out.startswith('file://'):
        out = out[len('file://'):]
    while out.startswith('./'):
        out = out[2:]
    return out


def loaded_files() -> set[str]:
    files: set[str] = set()
    for module in list(sys.modules.values()):
        path = getattr(module, '__file__', None) if isinstance(module, types.ModuleType) else None
        if isinstance(path, str) and not path.endswith(('.pyc', '.so', '.pyd')):
            files.add(os.path.realpath(path))
    return files


def match_file(file: str, paths: set[str]) -> str:
    wanted = normalize(file)
    base = wanted.rsplit('/', 1)[-1]
    matches = sorted(p for p in paths if p == wanted or (not wanted.startswith('/') and p.endswith('/' + wanted)))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise LocationError(f'`{file}` matches {len(matches)} loaded files: {", ".join(matches)}; give more of the path', False)
    similar = sorted(p for p in paths if p.endswith('/' + base))[:5]
    also = f'; loaded files with the same name: {", ".join(similar)}' if similar else ''
    raise LocationError(f'no loaded script matches `{wanted}`{also} (it will install if such a script loads)', True)


def modules_of(path: str) -> list[types.ModuleType]:
    found = []
    for module in list(sys.modules.values()):
        file = getattr(module, '__file__', None) if isinstance(module, types.ModuleType) else None
        if isinstance(file, str) and os.path.realpath(file) == path:
            found.append(module)
    return found


def body_progress(modules: list[types.ModuleType]) -> tuple[tuple[bool, int], ...]:
    """Changes when a module's body defines a name or its import finishes: then a function it had
    not defined may exist. (`__main__` and a module without `__spec__` never say they finished.)"""
    return tuple((bool(getattr(getattr(m, '__spec__', None), '_initializing', False)), len(vars(m))) for m in modules)


def code_objects(path: str) -> tuple[list[types.CodeType], dict[types.CodeType, types.CodeType], set[types.CodeType]]:
    """Every code object of the file's functions (as loaded, nested ones too), their parents, and
    those only a running module body holds (functions it has not defined yet)."""
    found: dict[int, types.CodeType] = {}
    # CPython runs a module's body as a function object of its own (`<module>`) while it runs.
    bodies: dict[int, types.CodeType] = {}
    parents: dict[types.CodeType, types.CodeType] = {}
    # Each file name resolved once: a web app has tens of thousands of functions from a thousand
    # files, and resolving a name per function (a stat per path component) held the GIL for
    # hundreds of milliseconds at every install.
    same: dict[str, bool] = {path: True}
    for obj in gc.get_objects():
        if type(obj) is types.FunctionType:
            code = obj.__code__
            name = code.co_filename
            match = same.get(name)
            if match is None:
                match = same[name] = os.path.realpath(name) == path
            if match:
                (bodies if code.co_name == '<module>' else found)[id(code)] = code
    _walk(found, list(found.values()), parents)
    defined = set(found)
    _walk(found, list(bodies.values()), parents)
    return list(found.values()), parents, {code for key, code in found.items() if key not in defined}


def _walk(found: dict[int, types.CodeType], stack: list[types.CodeType], parents: dict[types.CodeType, types.CodeType]) -> None:
    for code in stack:
        found[id(code)] = code
    while stack:
        code = stack.pop()
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                parents.setdefault(const, code)
                if id(const) not in found:
                    found[id(const)] = const
                    stack.append(const)


def lines_of(code: types.CodeType) -> list[int]:
    """The body's lines with code; the `def` line (its prologue) only for a one-line function."""
    lines = sorted({line for _, _, line in code.co_lines() if line is not None})
    body = [line for line in lines if line > code.co_firstlineno]
    return body or lines


def locate(file: str, line: int, originals: dict[types.CodeType, types.CodeType]) -> Located:
    path = match_file(file, loaded_files())
    codes, parents, undefined = code_objects(path)
    # Already patched code is looked up as its original.
    codes = list({id(c): c for c in (originals.get(code, code) for code in codes)}.values())
    best: tuple[types.CodeType, int] | None = None
    for code in codes:
        if code.co_name == '<module>':
            continue
        lines = lines_of(code)
        if not lines or not (code.co_firstlineno <= line <= lines[-1]):
            continue
        if _inside_parent_statement(code, line, parents):
            continue
        at = next(candidate for candidate in lines if candidate >= line)
        if best is None or code.co_firstlineno > best[0].co_firstlineno:
            best = (code, at)
    if best is None:
        total = _line_count(path)
        if line > total:
            raise LocationError(f'line {line} is past the end of {path} ({total} lines)', False)
        raise TopLevelLineError(line, path)
    if best[0] in {originals.get(code, code) for code in undefined}:
        raise NotDefinedYetError(function_name(best[0]), path, modules_of(path))
    return Located(path, best[0], best[1], parents)


def _inside_parent_statement(code: types.CodeType, line: int, parents: dict[types.CodeType, types.CodeType]) -> bool:
    """A lambda, comprehension or generator expression that starts on the line is part of a
    statement of its parent there, which runs it once per item: the line's run is the parent's."""
    parent = parents.get(code)
    return (code.co_name.startswith('<') and code.co_firstlineno == line and parent is not None
            and any(at == line for _, _, at in parent.co_lines()))


def function_name(code: types.CodeType) -> str:
    return getattr(code, 'co_qualname', code.co_name).replace('.<locals>', '')


def _line_count(path: str) -> int:
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            return sum(1 for _ in handle)
    except OSError:
        return 0
