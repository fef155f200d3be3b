"""Where web frameworks, and the ASGI server under them, hand an error they caught to their error
handling: the exception watch hears of each here, while an exception action is desired, once the
framework is imported (the agent imports none of them). Each is attached through what the
framework offers where it offers something, else one function is wrapped (docs/decisions.md):

- Flask's and Django's `got_request_exception` signals (a view's error no handler of the app
  answered; each answers 500), a receiver connected and disconnected again;
- Django's middleware `process_exception` answering an error (no signal then): Django's method
  asking them is replaced by a wrapper that calls it, and put back; so are Tornado's
  `RequestHandler._handle_request_exception` (every error a handler raised, which it logs and
  answers), Sanic's `ErrorHandler.response` (every error a handler raised, which the app's handler
  for its class or Sanic's default answers) and aiohttp's `RequestHandler.finish_response` (the
  4xx/5xx `HTTPException` a handler raised, which is its own answer);
- Starlette's (FastAPI's) exception handlers, by class or by status code, answering an error an
  endpoint raised (the app's, or Starlette's own for its HTTPException): Starlette checks whether
  the handler it found is async right before calling it, through its module's global, which is
  replaced by a wrapper that calls it, and put back;
- the servers' logs of an error that escaped the app (Starlette's 500 path re-raises it there):
  uvicorn's `uvicorn.error`, hypercorn's `hypercorn.error`, daphne's `daphne.server`, granian's
  `_granian.utils` (ASGI and RSGI), aiohttp's `aiohttp.server` (its 500 for any other error a
  handler raised; not its 400 for a request its parser refused), and the WSGI servers gunicorn's
  `gunicorn.error` and waitress's `waitress` (their 500), a filter that lets every record through.

An error that escapes to a server's or a framework's last answer is not reported again when a
function hooked here was handed it on its way out (`FrameworkErrors.escaped`).

Tornado's and Sanic's methods an app class may override (`OVERRIDABLE`) are wrapped on each class
that defines its own, and so are the methods they log a WebSocket handler's error with. A 404 or
405 a router raises itself for a request no route takes is not reported (router_misses.py).
Litestar's, Quart's, Falcon's, Bottle's, Pyramid's, socketserver's and wsgiref's:
more_framework_errors.py."""
from __future__ import annotations

import functools
import logging
import sys
import time
import types
from typing import Any, Callable

from .more_framework_errors import MORE_GLOBALS, MORE_WRAPPED
from .router_misses import router_miss

Seen = Callable[[BaseException | None, types.TracebackType | None], None]
# Starlette ≥ 0.28 checks a found handler (by class or by status code) with this global of the
# module, in the closure that caught the endpoint's error as `exc`, and for nothing else.
STARLETTE_CHECK = ('starlette._exception_handler', 'is_async_callable')
# Methods a framework calls with an error it caught, each wrapped while an exception action is
# desired: (module, class, method).
DJANGO_ASK = ('django.core.handlers.base', 'BaseHandler', 'process_exception_by_middleware')
TORNADO_HANDLE = ('tornado.web', 'RequestHandler', '_handle_request_exception')
SANIC_RESPOND = ('sanic.handlers.error', 'ErrorHandler', 'response')
# aiohttp answers a raised `HTTPException` with itself, logging nothing: the error reaches this
# method as the response, after its handler's frame ended.
AIOHTTP_FINISH = ('aiohttp.web_protocol', 'RequestHandler', 'finish_response')
# Frames between Django's receiver and `response_for_exception`, which holds the error as `exc`.
DJANGO_DEPTH = 6
# aiohttp logs a request its parser refused (a client's malformed bytes, answered 400 before any
# handler ran) from the same method, with the same message, as a handler's error it answers 500:
# that method's `status` tells them apart, and the client's error is not the app's.
AIOHTTP_LOG = 'aiohttp.server'
AIOHTTP_ANSWER = ('handle_error', '/aiohttp/web_protocol.py')
# Frames between the filter and that method (the logger's own, `log_exception`).
AIOHTTP_DEPTH = 10
# The loggers servers log an error that escaped the app to, with the error as `exc_info`.
SERVER_LOGS = ('uvicorn.error', 'hypercorn.error', 'daphne.server', AIOHTTP_LOG, 'gunicorn.error', 'waitress')
# Of these, the WSGI servers' log other errors with `exc_info` too (a socket's, a config hook's at
# start): only the functions that log an error the app raised count, (names, the module's file).
# gunicorn's `handle_error` answers it 500 (its sync, gthread and async workers) and `handle_request`
# logs one raised after the headers went out; waitress's `HTTPChannel.service` answers it 500.
SERVER_LOG_CALLERS: dict[str, tuple[tuple[str, ...], str]] = {
    'gunicorn.error': (('handle_error', 'handle_request'), '/gunicorn/workers/'),
    'waitress': (('service',), '/waitress/channel.py'),
}
# Frames between the filter and those: the logger's own, and gunicorn's wrapper of it.
SERVER_LOG_DEPTH = 10
# granian's Rust side logs the escaped error's text only, from inside the call its Python task
# makes with the error (`watcher.err(exc)` in `future_watcher`), so the error is that frame's.
GRANIAN_LOG = '_granian.utils'
GRANIAN_WATCHER = ('future_watcher', '/granian/_futures.py')
# Frames between the filter and granian's task: the logger's `filter`, its `handle`, then Rust.
GRANIAN_DEPTH = 5
# Where Tornado and Sanic log the error of a WebSocket handler they caught (an `on_message` or
# `open` of Tornado's `WebSocketHandler`, a Sanic `@app.websocket` handler): the same methods log an
# HTTP handler's error from inside the wrapped methods above, where the error is already reported.
TORNADO_LOG = ('tornado.web', 'RequestHandler', 'log_exception')
SANIC_LOG = ('sanic.handlers.error', 'ErrorHandler', 'log')
RESCAN_SECONDS = 1.0  # at most this long before an app class defined since is found (`attach_overrides`)
class FrameworkErrors:
    def __init__(self, seen: Seen) -> None:
        self.seen = seen
        self.flask_signal: Any = None
        self.django_signal: Any = None
        self.replaced: dict[tuple[Any, str], Callable[..., Any]] = {}
        # The code of each function replaced, whose wrapper reports the error it is handed.
        self.reporting: set[types.CodeType] = set()
        self.server_logs: list[logging.Logger] = []
        # The errors a wrapper further up the stack reports, or decided not to (an override that
        # calls the framework's method, which logs the error): ids, each held while it is answered.
        self.answering: set[int] = set()
        self.scanned = (0, 0.0)  # len(sys.modules) and time.monotonic() at the last walk of the app's classes

    # On the agent's thread, while an exception action is desired: again at each tick, for a
    # framework imported since.
    def attach(self) -> None:
        if self.flask_signal is None:
            flask = sys.modules.get('flask')
            signal = getattr(flask, 'got_request_exception', None)
            if signal is not None:
                signal.connect(self.flask_hook, weak=False)
                self.flask_signal = signal
        if self.django_signal is None:
            signal = getattr(sys.modules.get('django.core.signals'), 'got_request_exception', None)
            if signal is not None:
                signal.connect(self.django_hook, weak=False)
                self.django_signal = signal
        self.replace(sys.modules.get(STARLETTE_CHECK[0]), STARLETTE_CHECK[1], lambda f: _handler_found(self, f))
        for (module, cls, name), wrap in WRAPPED + MORE_WRAPPED:
            self.replace(getattr(sys.modules.get(module), cls, None), name, functools.partial(wrap, self))
        for (module, name), wrap in MORE_GLOBALS:
            self.replace(sys.modules.get(module), name, functools.partial(wrap, self))
        self.attach_overrides()
        known = logging.Logger.manager.loggerDict
        names = list(SERVER_LOGS)
        if 'granian' in sys.modules:
            # Made at granian's first error otherwise, which would then go unseen: the agent makes
            # the logger granian's Rust side gets by that name, an empty one as granian would.
            logging.getLogger(GRANIAN_LOG)
            names.append(GRANIAN_LOG)
        for name in names:
            logger = known.get(name)  # a server makes its logger as it imports or starts
            if isinstance(logger, logging.Logger) and logger not in self.server_logs:
                logger.addFilter(self.server_filter)
                self.server_logs.append(logger)

    def replace(self, owner: Any, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        if isinstance(owner, type) and isinstance(owner.__dict__.get(name), staticmethod):
            self.replace_own(owner, name, wrap)  # Litestar's `handle_websocket_exception`
            return
        original = getattr(owner, name, None)
        if owner is not None and (owner, name) not in self.replaced and callable(original):
            wrapper = wrap(original)
            wrapper._liveprobe = self  # type: ignore[attr-defined]
            setattr(owner, name, wrapper)
            self.replaced[(owner, name)] = original
            self.reporting.add(getattr(original, '__code__', None))  # type: ignore[arg-type]

    def attach_overrides(self) -> None:
        """The framework's method and each app class's own override of it, as a class that answers
        errors its own way may never call the framework's. A walk at every tick would hold the GIL
        over the app's class tree 50 times a second: a class defined since is found at the first tick
        that sees a module imported since (an app defines its classes as its modules load), else
        within a second (one defined in a function, or as its module was still loading)."""
        now = time.monotonic()
        if len(sys.modules) == self.scanned[0] and now - self.scanned[1] < RESCAN_SECONDS:
            return
        self.scanned = (len(sys.modules), now)
        trees: dict[type, list[type]] = {}  # each framework's class tree, walked once
        for (module, cls, name), wrap in OVERRIDABLE:
            base = getattr(sys.modules.get(module), cls, None)
            if isinstance(base, type):
                for owner in trees.get(base) or trees.setdefault(base, _classes(base)):
                    if name in owner.__dict__ and (owner, name) not in self.replaced:
                        self.replace_own(owner, name, functools.partial(wrap, self))

    def replace_own(self, owner: type, name: str, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        """Like `replace`, for a class's own definition (a `staticmethod` stays one)."""
        raw: Any = owner.__dict__.get(name)
        static = isinstance(raw, staticmethod)
        original = raw.__func__ if static else raw
        if (owner, name) in self.replaced or not callable(original):
            return
        wrapper = wrap(original)
        wrapper._liveprobe = self  # type: ignore[attr-defined]
        setattr(owner, name, staticmethod(wrapper) if static else wrapper)
        self.replaced[(owner, name)] = raw
        self.reporting.add(getattr(original, '__code__', None))  # type: ignore[arg-type]

    # On the app's threads.
    def answer(self, error: Any, report: bool, call: Callable[[], Any]) -> Any:
        """Reports `error` (unless a wrapper up the stack does, or a router raised it for a request no
        route takes), then calls on."""
        key = id(error)
        if key in self.answering:
            return call()
        self.answering.add(key)
        try:
            if report and isinstance(error, BaseException) and not router_miss(error):
                self.seen(error, error.__traceback__)
            return call()
        finally:
            self.answering.discard(key)

    def escaped(self, error: Any, tb: types.TracebackType | None) -> None:
        """Reports an error the app let escape to the framework's or the server's last answer (its
        500), unless a function the agent hooked was handed it on the way and so reported it (Quart's
        `handle_user_exception`, which raises on an error no handler of the app answers; Pyramid's
        `_error_handler`, to the WSGI server): that function's frame in the traceback holds it as a
        local. An error a function raised anew in it (an app's error handler failing) is not one."""
        if not isinstance(error, BaseException):
            return
        at = tb
        while at is not None:
            frame = at.tb_frame
            if frame.f_code in self.reporting and any(v is error for v in frame.f_locals.values()):
                return
            at = at.tb_next
        self.seen(error, tb)

    def detach(self) -> None:
        """Puts back exactly what was there; a function the app replaced since is left as it is."""
        if self.flask_signal is not None:
            self.flask_signal.disconnect(self.flask_hook)
            self.flask_signal = None
        if self.django_signal is not None:
            self.django_signal.disconnect(self.django_hook)
            self.django_signal = None
        for (owner, name), original in self.replaced.items():
            if getattr(getattr(owner, name, None), '_liveprobe', None) is self:
                setattr(owner, name, original)
        self.replaced = {}
        self.reporting = set()
        self.scanned = (0, 0.0)
        for logger in self.server_logs:
            # A new list, not `removeFilter`: a thread logging meanwhile walks the list it had, and
            # a removal in place could make it skip the app's filter after this one.
            logger.filters = [f for f in logger.filters if f != self.server_filter]
        self.server_logs = []

    # On the app's threads: `seen` never raises.
    def flask_hook(self, sender: Any, exception: BaseException | None = None, **_: Any) -> None:
        if exception is not None:
            self.seen(exception, exception.__traceback__)

    def django_hook(self, sender: Any, **_: Any) -> None:
        """Django sends the signal from the `except` that caught the error, but in a thread of its
        own for an async view, where only `response_for_exception`'s argument holds it."""
        error = sys.exc_info()[1] or _local_of(sys._getframe(1), DJANGO_DEPTH, ('response_for_exception', 'exception.py'), 'exc')
        if error is not None:
            self.seen(error, error.__traceback__)

    def server_filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info, tuple) and exc_info[1] is not None:
            callers = SERVER_LOG_CALLERS.get(record.name)
            if callers is not None and not _logged_from(sys._getframe(1), SERVER_LOG_DEPTH, *callers):
                return True
            if record.name != AIOHTTP_LOG or not _refused_request(sys._getframe(1)):
                self.escaped(exc_info[1], exc_info[2])
        elif record.name == GRANIAN_LOG and record.levelno >= logging.ERROR:
            error = _local_of(sys._getframe(1), GRANIAN_DEPTH, GRANIAN_WATCHER, 'exc')
            if error is not None:
                self.escaped(error, error.__traceback__)
        return True  # the record goes on to the app's handlers as before


def _handler_found(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Starlette reaches this check only with a handler found for the error it caught: one it finds
    none for is raised on, to Starlette's 500 path and the server's log."""
    @functools.wraps(original)
    def is_async_callable(handler: Any) -> Any:
        caller = sys._getframe(1)
        if caller.f_code.co_name == 'wrapped_app' and caller.f_code.co_filename.endswith('_exception_handler.py'):
            error = caller.f_locals.get('exc')
            if isinstance(error, BaseException) and not router_miss(error):
                owner.seen(error, error.__traceback__)
        return original(handler)
    return is_async_callable


def _middleware_answered(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Django sends no signal for an error a middleware's `process_exception` answers."""
    @functools.wraps(original)
    def process_exception_by_middleware(handler: Any, exception: Any, request: Any) -> Any:
        response = original(handler, exception, request)
        if response is not None and isinstance(exception, BaseException):
            owner.seen(exception, exception.__traceback__)
        return response
    return process_exception_by_middleware


def _handler_failed(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Tornado hands this every error a handler's methods raised, `Finish` too, which only ends the
    request early."""
    finish = getattr(sys.modules.get(TORNADO_HANDLE[0]), 'Finish', None)

    @functools.wraps(original)
    def _handle_request_exception(handler: Any, e: Any) -> Any:
        return owner.answer(e, not (isinstance(finish, type) and isinstance(e, finish)), lambda: original(handler, e))
    return _handle_request_exception


def _exception_logged(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Tornado logs a WebSocket handler's error here (`open`'s, `on_message`'s…), then closes the
    connection; an HTTP handler's error reaches it from `_handle_request_exception`, reported there."""
    @functools.wraps(original)
    def log_exception(handler: Any, typ: Any, value: Any, tb: Any) -> Any:
        return owner.answer(value, True, lambda: original(handler, typ, value, tb))
    return log_exception


def _error_handler_asked(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Sanic asks its app's error handler for the answer to every error a handler raised, unless a
    request middleware answered first."""
    @functools.wraps(original)
    def response(handler: Any, request: Any, exception: Any) -> Any:
        return owner.answer(exception, True, lambda: original(handler, request, exception))
    return response


def _error_logged(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Sanic logs a WebSocket handler's error here (its connection then closes); its default
    answer to an HTTP handler's error logs from inside `response`, reported there. Sanic's is a
    `staticmethod` (request, exception); an app's override may be a method."""
    @functools.wraps(original)
    def log(*args: Any) -> Any:
        return owner.answer(args[-1] if args else None, True, lambda: original(*args))
    return log


def _http_error_raised(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """aiohttp finishes every response here; a raised `HTTPError` (4xx, 5xx: not a redirect, which
    is raised too) has the traceback of its raise. One returned, as aiohttp still allows, has none."""
    http_error = getattr(sys.modules.get('aiohttp.web_exceptions'), 'HTTPError', None)

    @functools.wraps(original)
    async def finish_response(handler: Any, request: Any, resp: Any, *args: Any, **kwargs: Any) -> Any:
        if (isinstance(resp, BaseException) and isinstance(http_error, type) and isinstance(resp, http_error)
                and not router_miss(resp)):
            owner.seen(resp, resp.__traceback__)
        return await original(handler, request, resp, *args, **kwargs)
    return finish_response


Wrap = Callable[[FrameworkErrors, Callable[..., Any]], Callable[..., Any]]
WRAPPED: tuple[tuple[tuple[str, str, str], Wrap], ...] = (
    (DJANGO_ASK, _middleware_answered),
    (TORNADO_HANDLE, _handler_failed),
    (SANIC_RESPOND, _error_handler_asked),
    (AIOHTTP_FINISH, _http_error_raised),
)
# Methods that answer or log a framework's errors, which an app's subclass may override without
# calling the framework's: the framework's and each override are wrapped (`attach_overrides`).
OVERRIDABLE: tuple[tuple[tuple[str, str, str], Wrap], ...] = (
    (TORNADO_HANDLE, _handler_failed),
    (TORNADO_LOG, _exception_logged),
    (SANIC_RESPOND, _error_handler_asked),
    (SANIC_LOG, _error_logged),
)


def _classes(base: type) -> list[type]:
    """`base` and every class derived from it."""
    found: dict[type, None] = {}
    todo = [base]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found[cls] = None
            todo.extend(cls.__subclasses__())
    return list(found)


def _frame_of(frame: types.FrameType | None, depth: int, where: tuple[str, str]) -> types.FrameType | None:
    """A framework's function's frame (name, file), `depth` frames up at most."""
    for _ in range(depth):
        if frame is None:
            return None
        if frame.f_code.co_name == where[0] and frame.f_code.co_filename.endswith(where[1]):
            return frame
        frame = frame.f_back
    return None


def _logged_from(frame: types.FrameType | None, depth: int, names: tuple[str, ...], where: str) -> bool:
    """Whether one of a server's functions (its name, in a file under `where`) logs the record."""
    for _ in range(depth):
        if frame is None:
            return False
        if frame.f_code.co_name in names and where in frame.f_code.co_filename.replace('\\', '/'):
            return True
        frame = frame.f_back
    return False


def _local_of(frame: types.FrameType | None, depth: int, where: tuple[str, str], name: str) -> BaseException | None:
    """The error a framework's function holds as `name`, `depth` frames up at most."""
    found = _frame_of(frame, depth, where)
    error = None if found is None else found.f_locals.get(name)
    return error if isinstance(error, BaseException) else None


def _refused_request(frame: types.FrameType | None) -> bool:
    """Whether aiohttp logs the error of a request it answers below 500 (its parser refused it)."""
    found = _frame_of(frame, AIOHTTP_DEPTH, AIOHTTP_ANSWER)
    status = None if found is None else found.f_locals.get('status')
    return type(status) is int and status < 500
