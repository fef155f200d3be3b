"""A snapshot of a probed frame, as the protocol's SnapshotData: the stack, the arguments, the
locals, the closure cells, the module globals the function names, `self` and the watch
expressions, captured within one byte budget without pausing anything."""
from __future__ import annotations

import inspect
import json
import time
import types
from typing import Any, Callable

from .frame_scope import FrameScope
from .instrument.locate import function_name
from .safe_read import EvalError
from .serialize import Capture

MAX_FRAMES = 50
SKIPPED_GLOBALS = (types.ModuleType, types.FunctionType, type, types.BuiltinFunctionType)


def stack_of(frame: types.FrameType | None) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while frame is not None and len(frames) < MAX_FRAMES:
        code = frame.f_code
        frames.append({'function': function_name(code), 'file': code.co_filename, 'line': frame.f_lineno or 0, 'column': 1})
        frame = frame.f_back
    return frames


def capture_snapshot(frame: types.FrameType, capture: Capture, watches: list[tuple[str, Callable[[FrameScope], Any]]],
                     is_blocked: Callable[[str], bool], started: float) -> dict[str, Any]:
    code = frame.f_code
    scope = FrameScope(frame)
    values = scope.locals
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(code.co_flags & inspect.CO_VARARGS) + bool(code.co_flags & inspect.CO_VARKEYWORDS)
    argument_names = list(code.co_varnames[:count])
    free = set(code.co_freevars)
    # A method's `self`, or the `self` a closure inside a method captured.
    this_name = argument_names[0] if argument_names and argument_names[0] in ('self', 'cls') else 'self' if 'self' in free else None

    def named(names: list[str]) -> list[dict[str, Any]]:
        return [capture.named(n, values[n]) if not is_blocked(n) else {'name': n, 'value': {'t': 'redacted'}} for n in names if n in values]

    arguments = named([n for n in argument_names if n != this_name])
    local_names = [n for n in values if n not in argument_names and n not in free]
    locals_ = named(local_names)
    closure = named([n for n in code.co_freevars if n != this_name])
    module = frame.f_globals
    module_names = [n for n in dict.fromkeys(code.co_names) if n in module and not issubclass(type(module[n]), SKIPPED_GLOBALS) and not n.startswith('__')]
    scopes = [{'kind': 'local', 'name': function_name(code), 'variables': arguments + locals_}]
    if closure:
        scopes.append({'kind': 'closure', 'variables': closure})
    globals_ = [capture.named(n, module[n]) if not is_blocked(n) else {'name': n, 'value': {'t': 'redacted'}} for n in module_names]
    if globals_:
        scopes.append({'kind': 'module', 'name': str(module.get('__name__', '')), 'variables': globals_})
    results = []
    for source, evaluate in watches:
        try:
            results.append({'expression': source, 'value': capture.value(evaluate(scope))})
        except EvalError as err:
            results.append({'expression': source, 'error': str(err)})
    data: dict[str, Any] = {
        'location': {'file': code.co_filename, 'line': frame.f_lineno or 0, 'function': function_name(code)},
        'stack': stack_of(frame), 'arguments': arguments, 'locals': locals_, 'scopes': scopes,
        'watches': results, 'stallMs': 0.0, 'bytes': 0, 'truncated': capture.truncated,
    }
    if this_name is not None and this_name in values:
        data['this'] = capture.value(values[this_name])
    data['truncated'] = capture.truncated
    data['bytes'] = len(json.dumps(data, separators=(',', ':'), default=str))
    data['stallMs'] = round((time.perf_counter() - started) * 1000, 3)
    return data
