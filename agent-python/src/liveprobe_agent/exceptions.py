"""Exception actions: snapshots of the frame that raised an error the app does not catch, or that
reaches a framework's error handling, with the Node agent's filters, statuses and export. Python
tells the agent of an uncaught error without pausing anything, so this needs no debugger:

- `sys.excepthook` (the main thread's uncaught error, which then ends the program),
  `threading.excepthook` (a thread's), and the event loop's exception handler of asyncio (a
  task's exception nobody retrieved, marked as a rejection; a callback's), each wrapped only
  while an exception action is desired, the app's own hook running after the capture as before;
- errors a web framework caught and handles (framework_errors.py): Flask's and Django's
  `got_request_exception` signals, Django's middleware answering one, Starlette's (FastAPI's)
  exception handlers answering one, aiohttp, Tornado and Sanic answering one, and the servers'
  logs of an error that escaped the app (Starlette's 500).

An error the app catches and swallows gives nothing: Python offers no hook there short of a
trace function, which the agent never sets. The capture runs on the thread that raised, before
the app's hook, with the serializer, redaction and limits of a snapshot; the agent's thread
exports it."""
from __future__ import annotations

import json
import re
import secrets
import sys
import threading
import time
import traceback
import types
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from .blocklist import glob_to_regex
from .framework_errors import FrameworkErrors
from .instrument.locate import function_name
from .probe import Settings, parse_time, span_ids
from .quota import RateLimit
from .safe_read import own_detail
from .serialize import Capture
from .snapshot import capture_snapshot

Report = Callable[[str, str, 'str | None', 'dict[str, Any] | None'], None]
MAX_CAUSES = 5
RATE_WINDOW_S = 60.0
# Distinct stacks whose rate is remembered per action: a flood of new stacks cannot grow it.
MAX_STACKS = 1000
PRIMITIVES = (str, int, float, bool, type(None))
WATCHING = ("watching uncaught errors (sys.excepthook, threading.excepthook, asyncio's unhandled task exceptions), "
            "errors a Flask or Django view raises that no error handler answers, errors a Starlette/FastAPI endpoint raises "
            "that an exception handler answers, errors an aiohttp, Tornado or Sanic handler raises that the framework answers, "
            "errors wsgiref, gunicorn or waitress answer 500 as escaping a WSGI app, "
            "and errors uvicorn, hypercorn, daphne or granian log as escaping the app (Starlette's 500); "
            "errors the app catches give no snapshot")


@dataclass
class Watched:
    action: dict[str, Any]
    pattern: re.Pattern[str] | None
    files: list[re.Pattern[str]]
    byte_rate: RateLimit
    hits: int = 0
    done: bool = False
    stacks: dict[tuple[Any, ...], deque[float]] = field(default_factory=dict)


class ExceptionWatch:
    def __init__(self, settings: Settings, outbox: deque[tuple[Any, ...]], report: Report,
                 is_blocked: Callable[[str, str], bool]) -> None:
        self.settings = settings
        self.outbox = outbox
        self.report = report
        self.is_blocked = is_blocked  # (file, function): a throw site the blocklist forbids gives nothing
        self.watched: dict[str, Watched] = {}
        self.finished: set[str] = set()
        self.definitions: dict[str, dict[str, Any]] = {}
        self.hooked = False
        self.previous: dict[str, Any] = {}
        self.frameworks = FrameworkErrors(lambda error, tb: self.seen(error, tb, False))

    # On the agent's thread.
    def reconcile(self, desired: list[dict[str, Any]]) -> None:
        wanted = {a['id']: a for a in desired}
        for action_id in list(self.definitions):
            if action_id not in wanted:
                self.definitions.pop(action_id)
                if self.watched.pop(action_id, None) is not None:
                    self.report(action_id, 'removed', 'the action was removed', None)
        self.finished &= set(wanted)
        for action_id, action in wanted.items():
            before = self.definitions.get(action_id)
            if before == action:
                continue
            self.definitions[action_id] = action
            edited = before is not None
            if edited:
                self.finished.discard(action_id)
            if action_id in self.finished:
                continue
            old = self.watched.pop(action_id, None)
            try:
                watched = self.compile(action)
            except ValueError as err:
                self.finished.add(action_id)
                self.report(action_id, 'error', str(err), None)
                continue
            if old is not None:
                watched.hits = old.hits  # its snapshots so far count toward maxHits
                if old.action.get('ratePerMinute') == action.get('ratePerMinute'):
                    watched.stacks = old.stacks  # a new rate starts each stack's count afresh
            if time.time() >= parse_time(action['expiresAt']):
                self.finished.add(action_id)
                self.report(action_id, 'expired', f'expired at {action["expiresAt"]}', None)
                continue
            self.watched[action_id] = watched
            self.report(action_id, 'installed', f'watching with the edited filters; {WATCHING}' if edited else WATCHING, None)
        self.hook(bool(self.watched))

    def compile(self, action: dict[str, Any]) -> Watched:
        pattern = None
        if action.get('messagePattern'):
            try:
                pattern = re.compile(action['messagePattern'])
            except re.error as err:
                raise ValueError(f'messagePattern `{action["messagePattern"]}` is not a regular expression Python can read ({err}); '
                                 'write one both languages read, e.g. `timeout|ECONNRESET`') from None
        return Watched(action, pattern, [glob_to_regex(g) for g in action.get('files') or []], RateLimit(self.settings.bytes_per_second))

    def tick(self) -> None:
        if self.hooked:
            self.frameworks.attach()
        now = time.time()
        for action_id, watched in list(self.watched.items()):
            if now >= parse_time(watched.action['expiresAt']):
                self.end(action_id, 'expired', 'expired')

    def on_done(self, watched: Watched) -> None:
        action = watched.action
        if self.watched.get(action['id']) is watched:
            count = action['maxHits']
            self.end(action['id'], 'hit_limit', f'reached its limit of {count} hit{"" if count == 1 else "s"}')

    def end(self, action_id: str, state: str, message: str) -> None:
        watched = self.watched.pop(action_id, None)
        if watched is not None:
            watched.done = True
        self.finished.add(action_id)
        self.report(action_id, state, message, None)
        self.hook(bool(self.watched))

    def close(self) -> None:
        self.watched.clear()
        self.hook(False)

    def hook(self, on: bool) -> None:
        """Wraps the hooks while an action is desired; a hook the app replaced since is left as it is."""
        if on == self.hooked:
            if on:
                self.frameworks.attach()
            return
        self.hooked = on
        if on:
            self.previous = {'sys': sys.excepthook, 'threading': threading.excepthook}
            sys.excepthook = self.sys_hook
            threading.excepthook = self.thread_hook
            import asyncio.base_events
            loop_class = asyncio.base_events.BaseEventLoop
            self.previous['asyncio'] = loop_class.call_exception_handler
            setattr(loop_class, 'call_exception_handler', _loop_hook(self, loop_class.call_exception_handler))
            self.frameworks.attach()
            return
        if sys.excepthook == self.sys_hook:
            sys.excepthook = self.previous['sys']
        if threading.excepthook == self.thread_hook:
            threading.excepthook = self.previous['threading']
        import asyncio.base_events
        if getattr(asyncio.base_events.BaseEventLoop.call_exception_handler, '_liveprobe', None) is self:
            setattr(asyncio.base_events.BaseEventLoop, 'call_exception_handler', self.previous['asyncio'])
        self.frameworks.detach()

    # On the app's threads: never raises, and the app's own hook runs as before.
    def sys_hook(self, kind: type[BaseException], error: BaseException, tb: types.TracebackType | None) -> None:
        self.seen(error, tb, False)
        self.previous['sys'](kind, error, tb)

    def thread_hook(self, args: Any) -> None:
        self.seen(args.exc_value, args.exc_traceback, False)
        self.previous['threading'](args)

    def seen(self, error: BaseException | None, tb: types.TracebackType | None, rejection: bool) -> None:
        if not self.watched or not isinstance(error, Exception):
            return  # SystemExit and KeyboardInterrupt end the program on purpose
        try:
            self.capture(error, tb, rejection)
        except Exception:
            pass  # the agent never raises into the application

    def capture(self, error: Exception, tb: types.TracebackType | None, rejection: bool) -> None:
        frames: list[tuple[types.FrameType, int]] = []
        while tb is not None:
            frames.append((tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        if not frames:
            return
        frames.reverse()  # the throw site first
        site, line = frames[0]
        file, function = site.f_code.co_filename, function_name(site.f_code)
        if self.is_blocked(file, function):
            return
        kind = type(error)
        names = {k.__name__ for k in kind.__mro__}
        message = _message(error)
        fingerprint = tuple((f.f_code.co_filename, n) for f, n in frames)
        now = time.time()
        for watched in list(self.watched.values()):
            action = watched.action
            if watched.done or now >= parse_time(action['expiresAt']):
                continue
            if action.get('errorType') and action['errorType'] not in names:
                continue
            if watched.pattern is not None and not watched.pattern.search(message):
                continue
            if watched.files and not any(g.search(file.replace('\\', '/')) for g in watched.files):
                continue
            if not self.within_rate(watched, fingerprint, now):
                continue
            self.snapshot(watched, error, frames, message, rejection, now)

    def within_rate(self, watched: Watched, fingerprint: tuple[Any, ...], now: float) -> bool:
        """At most `ratePerMinute` snapshots a minute for each distinct stack, counted when taken."""
        times = watched.stacks.get(fingerprint)
        if times is None:
            if len(watched.stacks) >= MAX_STACKS:
                watched.stacks.clear()
            times = watched.stacks[fingerprint] = deque()
        while times and now - times[0] >= RATE_WINDOW_S:
            times.popleft()
        if len(times) >= watched.action['ratePerMinute']:
            return False
        times.append(now)
        return True

    def snapshot(self, watched: Watched, error: Exception, frames: list[tuple[types.FrameType, int]], message: str,
                 rejection: bool, now: float) -> None:
        started = time.perf_counter()
        settings = self.settings
        blocked = settings.is_blocked_variable
        site, line = frames[0]
        data = capture_snapshot(site, Capture(settings.capture, settings.redaction), [], blocked, started)
        data['location']['line'] = line
        lines = {id(f): n for f, n in frames}
        for entry, frame in zip(data['stack'], _walk(site)):
            entry['line'] = lines.get(id(frame), entry['line'])
        callers = []
        for frame, at in frames[1:watched.action.get('frames') or 1]:
            if self.is_blocked(frame.f_code.co_filename, function_name(frame.f_code)):
                continue
            caller = capture_snapshot(frame, Capture(settings.capture, settings.redaction), [], blocked, started)
            outer = {'location': {**caller['location'], 'line': at}, 'arguments': caller['arguments'], 'locals': caller['locals'],
                     'scopes': caller['scopes'][1:]}
            if 'this' in caller:
                outer['this'] = caller['this']
            callers.append(outer)
        if callers:
            data['frames'] = callers
        scrub = settings.redaction.scrub
        thrown: dict[str, Any] = {'type': type(error).__name__, 'message': scrub(message), 'causes': _causes(error, scrub)}
        if rejection:
            thrown['rejection'] = True
        data['exception'] = thrown
        # The callers and the error are part of the snapshot's bytes too.
        data['bytes'] = len(json.dumps(data, separators=(',', ':'), default=str))
        if not watched.byte_rate.take(data['bytes'], now):
            return
        ids = span_ids()
        if ids is not None:
            data['traceId'], data['spanId'] = ids[0], ids[1]
        data['stallMs'] = round((time.perf_counter() - started) * 1000, 3)
        stacktrace = scrub(''.join(traceback.StackSummary.from_list(
            [(f.f_code.co_filename, n, function_name(f.f_code), None) for f, n in reversed(frames)]).format())
            + f'{thrown["type"]}: {thrown["message"]}')
        watched.hits += 1
        self.outbox.append(('exception', watched, now, f'snap_{secrets.token_hex(8)}', data, stacktrace))
        if watched.hits >= watched.action['maxHits']:
            watched.done = True
            self.outbox.append(('exception_done', watched))


def _loop_hook(watch: ExceptionWatch, original: Callable[..., Any]) -> Callable[..., Any]:
    """asyncio reports a task's exception nobody retrieved, and a callback's, to the loop's handler."""
    def call_exception_handler(loop: Any, context: dict[str, Any]) -> Any:
        error = context.get('exception')
        if isinstance(error, Exception):
            watch.seen(error, error.__traceback__, 'future' in context or 'task' in context)
        return original(loop, context)
    call_exception_handler._liveprobe = watch  # type: ignore[attr-defined]
    return call_exception_handler


def _walk(frame: types.FrameType | None) -> Any:
    while frame is not None:
        yield frame
        frame = frame.f_back


def _message(error: BaseException) -> str:
    """The error's message as `str()` would give it, without running an application's `__str__`:
    a built-in exception's text when its arguments are primitives, else its first argument's text,
    or when that is not a str its own `detail` (own_detail)."""
    args = error.args if type(error.args) is tuple else ()
    if not isinstance(type(error).__str__, (types.FunctionType, types.MethodType)) and all(type(a) in PRIMITIVES for a in args):
        try:
            text = str(error)
            if text or args:
                return text
        except Exception:
            pass
    if args and type(args[0]) is str:
        return args[0]
    # Starlette's HTTPException(404, 'no order 7') keeps (404, 'no order 7') as its args, and none when called by keywords.
    return own_detail(error)


def _causes(error: BaseException, scrub: Callable[[str], str]) -> list[dict[str, str]]:
    """`raise … from cause` and the error being handled when it was raised, as Node reads `cause`."""
    out: list[dict[str, str]] = []
    seen = {id(error)}
    current: BaseException | None = error
    while current is not None and len(out) < MAX_CAUSES:
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        if current is None or id(current) in seen:
            break
        seen.add(id(current))
        out.append({'type': type(current).__name__, 'message': scrub(_message(current))})
    return out
