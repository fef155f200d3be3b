"""Where web frameworks, and the ASGI server under them, hand an error they caught to their error
handling: the exception watch hears of each here, while an exception action is desired, once the
framework is imported (the agent imports none of them). Each is attached only through what the
framework offers, except Starlette's, which has nothing to offer (docs/decisions.md):

- Flask's and Django's `got_request_exception` signals (a view's error no handler of the app
  answered; each answers 500), a receiver connected and disconnected again;
- Starlette's (FastAPI's) lookup of the app's exception handler for an error an endpoint raised,
  when it finds one (the error is answered by the app's handler, or by Starlette's own for its
  HTTPException): the module's function is replaced by a wrapper that calls it, and put back;
- uvicorn's `uvicorn.error` logger, to which uvicorn logs an error that escaped the ASGI app
  (Starlette's 500 path re-raises it there): a filter that lets every record through."""
from __future__ import annotations

import functools
import logging
import sys
import types
from typing import Any, Callable

Seen = Callable[[BaseException | None, types.TracebackType | None], None]
# Where the lookup lives in Starlette since 0.28.
STARLETTE_LOOKUP = ('starlette._exception_handler', '_lookup_exception_handler')
# Frames between Django's receiver and `response_for_exception`, which holds the error as `exc`.
DJANGO_DEPTH = 6


class FrameworkErrors:
    def __init__(self, seen: Seen) -> None:
        self.seen = seen
        self.flask_signal: Any = None
        self.django_signal: Any = None
        self.lookup: tuple[types.ModuleType, Callable[..., Any]] | None = None
        self.uvicorn_logger: logging.Logger | None = None

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
        if self.lookup is None:
            module = sys.modules.get(STARLETTE_LOOKUP[0])
            original = getattr(module, STARLETTE_LOOKUP[1], None)
            if module is not None and callable(original):
                setattr(module, STARLETTE_LOOKUP[1], _answered(self, original))
                self.lookup = (module, original)
        if self.uvicorn_logger is None:
            # uvicorn makes its logger as it imports: the agent never makes it.
            logger = logging.Logger.manager.loggerDict.get('uvicorn.error')
            if isinstance(logger, logging.Logger):
                logger.addFilter(self.uvicorn_filter)
                self.uvicorn_logger = logger

    def detach(self) -> None:
        """Puts back exactly what was there; a function the app replaced since is left as it is."""
        if self.flask_signal is not None:
            self.flask_signal.disconnect(self.flask_hook)
            self.flask_signal = None
        if self.django_signal is not None:
            self.django_signal.disconnect(self.django_hook)
            self.django_signal = None
        if self.lookup is not None:
            module, original = self.lookup
            if getattr(getattr(module, STARLETTE_LOOKUP[1], None), '_liveprobe', None) is self:
                setattr(module, STARLETTE_LOOKUP[1], original)
            self.lookup = None
        if self.uvicorn_logger is not None:
            # A new list, not `removeFilter`: a thread logging meanwhile walks the list it had, and
            # a removal in place could make it skip the app's filter after this one.
            logger = self.uvicorn_logger
            logger.filters = [f for f in logger.filters if f != self.uvicorn_filter]
            self.uvicorn_logger = None

    # On the app's threads: `seen` never raises.
    def flask_hook(self, sender: Any, exception: BaseException | None = None, **_: Any) -> None:
        if exception is not None:
            self.seen(exception, exception.__traceback__)

    def django_hook(self, sender: Any, **_: Any) -> None:
        """Django sends the signal from the `except` that caught the error, but in a thread of its
        own for an async view, where only `response_for_exception`'s argument holds it."""
        error = sys.exc_info()[1] or _django_error(sys._getframe(1))
        if error is not None:
            self.seen(error, error.__traceback__)

    def uvicorn_filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info, tuple) and exc_info[1] is not None:
            self.seen(exc_info[1], exc_info[2])
        return True  # the record goes on to the app's handlers as before


def _answered(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Starlette calls the lookup only for an error it caught; one it finds no handler for is raised
    on, to Starlette's 500 path and the server's log, so only a found handler is reported here."""
    @functools.wraps(original)
    def lookup(exc_handlers: Any, exc: Any) -> Any:
        handler = original(exc_handlers, exc)
        if handler is not None and isinstance(exc, BaseException):
            owner.seen(exc, exc.__traceback__)
        return handler
    lookup._liveprobe = owner  # type: ignore[attr-defined]
    return lookup


def _django_error(frame: types.FrameType | None) -> BaseException | None:
    for _ in range(DJANGO_DEPTH):
        if frame is None:
            return None
        if frame.f_code.co_name == 'response_for_exception' and frame.f_code.co_filename.endswith('exception.py'):
            error = frame.f_locals.get('exc')
            return error if isinstance(error, BaseException) else None
        frame = frame.f_back
    return None
