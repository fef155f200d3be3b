"""Where Litestar, Quart, Falcon, Bottle and Pyramid, socketserver's servers (http.server's) and
wsgiref's handler hand an error a handler raised to their error handling, each registered in
framework_errors.py and so hooked as the others are: once the framework is imported, while an
exception action is desired, by a wrapper that calls the framework's function and returns what it
returns, put back when the last action goes.

- Litestar's `ExceptionHandlerMiddleware.handle_request_exception`, which answers every error a
  handler raised (the app's exception handler for its class or status, else Litestar's own), and
  its `handle_websocket_exception`, a WebSocket handler's (it closes the connection);
- Quart's `Quart.handle_user_exception`, asked for the answer to every error a view (or a
  `before_request` function) raised: the app's error handler, Quart's own for a werkzeug
  `HTTPException`, or none, Quart then answering 500 from `Quart.handle_exception`, which an
  `after_request` function's error reaches straight (`handle_websocket_exception` for a WebSocket);
- Falcon's `App._handle_exception` (WSGI) and `falcon.asgi.App._handle_exception` (ASGI), which
  answer every error a responder or middleware raised with the app's error handler for its class,
  else Falcon's own (500, or an `HTTPError`'s status);
- Bottle's `Bottle._handle`, which turns a route's error into the 500 `HTTPError` it answers (the
  error in the request's `bottle.exc_info`) and catches a raised `HTTPError`, which is its answer;
- Pyramid's exception view tween's `_error_handler` (a global of `pyramid.tweens`, looked up at
  each call), which asks the app's exception views for an answer to every error a view raised;
- socketserver's `BaseServer.handle_error`, which a server calls from the `except` that caught a
  request handler's error (http.server's `do_GET`…), and which prints it;
- wsgiref's `BaseHandler.handle_error`, which answers 500 an error that escaped the WSGI app.

As for aiohttp, Tornado and Sanic, a raised HTTP error of 4xx or 5xx is reported and a raised
redirect or other answer below 400 is not, nor is the 404 or 405 the router raises itself for a
request no route takes (router_misses.py)."""
from __future__ import annotations

import functools
import inspect
import sys
import types
from typing import TYPE_CHECKING, Any, Callable

from .router_misses import router_miss

if TYPE_CHECKING:
    from .framework_errors import FrameworkErrors

LITESTAR_HANDLE = ('litestar.middleware._internal.exceptions.middleware', 'ExceptionHandlerMiddleware', 'handle_request_exception')
# A WebSocket handler's error: Litestar closes the connection with 4500 (a `staticmethod`).
LITESTAR_WS_HANDLE = (LITESTAR_HANDLE[0], LITESTAR_HANDLE[1], 'handle_websocket_exception')
QUART_HANDLE = ('quart.app', 'Quart', 'handle_user_exception')
# Quart's 500, for an error `handle_user_exception` raised on (reported there) and one an
# `after_request` function raised (which reaches nothing else); and its WebSocket's.
QUART_500 = ('quart.app', 'Quart', 'handle_exception')
QUART_WS_500 = ('quart.app', 'Quart', 'handle_websocket_exception')
FALCON_HANDLE = ('falcon.app', 'App', '_handle_exception')
FALCON_ASGI_HANDLE = ('falcon.asgi.app', 'App', '_handle_exception')
BOTTLE_HANDLE = ('bottle', 'Bottle', '_handle')
SOCKETSERVER_ERROR = ('socketserver', 'BaseServer', 'handle_error')
# wsgiref's handler (its simple_server's, Django's runserver's), which answers 500 an error that
# escaped the WSGI app, called from the `except` that caught it.
WSGIREF_ERROR = ('wsgiref.handlers', 'BaseHandler', 'handle_error')
# A module's global, not a class's method: (module, name).
PYRAMID_ERROR_HANDLER = ('pyramid.tweens', '_error_handler')


def _answer_of(module: str, cls: str, status: str) -> Callable[[Any], bool]:
    """Whether an error is one of a framework's HTTP exceptions (`module.cls`) that answers below
    400 (a redirect) by its `status` attribute: an answer the handler raised, not an error. The
    class is read at the framework's hooking, once it is imported."""
    answer = getattr(sys.modules.get(module), cls, None)

    def below_400(error: Any) -> bool:
        code = getattr(error, status, None)
        return isinstance(answer, type) and isinstance(error, answer) and type(code) is int and code < 400
    return below_400


def _reporting(owner: FrameworkErrors, original: Callable[..., Any], error_of: Callable[..., Any],
               answer: Callable[[Any], bool]) -> Callable[..., Any]:
    """A wrapper of `original`, sync or async as it is, reporting the error `error_of` finds in its
    arguments, unless it is an `answer` or a router's miss, before calling it."""
    def report(*args: Any, **kwargs: Any) -> None:
        error = error_of(*args, **kwargs)
        if isinstance(error, BaseException) and not answer(error) and not router_miss(error):
            owner.seen(error, error.__traceback__)

    if inspect.iscoroutinefunction(original):
        @functools.wraps(original)
        async def wrapped_async(*args: Any, **kwargs: Any) -> Any:
            report(*args, **kwargs)
            return await original(*args, **kwargs)
        return wrapped_async

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        report(*args, **kwargs)
        return original(*args, **kwargs)
    return wrapped


def _litestar_answers(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Litestar calls it with keywords; `exc` is its last parameter."""
    def error_of(*args: Any, **kwargs: Any) -> Any:
        return kwargs['exc'] if 'exc' in kwargs else args[-1] if args else None
    return _reporting(owner, original, error_of, _answer_of('litestar.exceptions', 'HTTPException', 'status_code'))


def _quart_answers(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    def error_of(app: Any, error: Any = None, *_: Any, **kwargs: Any) -> Any:
        return kwargs.get('error', error)
    return _reporting(owner, original, error_of, _answer_of('werkzeug.exceptions', 'HTTPException', 'code'))


def _quart_fails(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Quart answers 500 (or raises on, with `PROPAGATE_EXCEPTIONS`) an error no handler answered."""
    @functools.wraps(original)
    async def handle_exception(app: Any, error: Any, *args: Any, **kwargs: Any) -> Any:
        owner.escaped(error, getattr(error, '__traceback__', None))
        return await original(app, error, *args, **kwargs)
    return handle_exception


def _falcon_answers(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Falcon raises an `HTTPStatus` to answer with a status (its redirects are ones): not errors."""
    answer = getattr(sys.modules.get('falcon.http_status'), 'HTTPStatus', None)

    def error_of(app: Any, req: Any = None, resp: Any = None, ex: Any = None, *_: Any, **kwargs: Any) -> Any:
        return kwargs.get('ex', ex)
    return _reporting(owner, original, error_of, lambda error: isinstance(answer, type) and isinstance(error, answer))


def _bottle_answers(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """Bottle catches a route's error and returns a 500 `HTTPError` it made of it, never raised,
    with the error as its `exception` and in the request's `bottle.exc_info`; a raised `HTTPError`
    is the answer itself, with the traceback of its raise (one returned has none; a raised
    `HTTPResponse`, a redirect's, is not an error). An app mounted in another raises the error it
    caught again into the mounting app's route, through this method once more: the traceback then
    holds this method's frame twice, and the error was reported by the first."""
    http_error = getattr(sys.modules.get(BOTTLE_HANDLE[0]), 'HTTPError', None)
    below_400 = _answer_of(BOTTLE_HANDLE[0], 'HTTPError', 'status_code')
    code = getattr(original, '__code__', None)

    def once(tb: types.TracebackType | None) -> bool:
        passes = 0
        while tb is not None:
            passes += tb.tb_frame.f_code is code
            tb = tb.tb_next
        return passes <= 1

    @functools.wraps(original)
    def _handle(app: Any, environ: Any, *args: Any, **kwargs: Any) -> Any:
        out = original(app, environ, *args, **kwargs)
        if isinstance(out, BaseException) and isinstance(http_error, type) and isinstance(out, http_error):
            caught = environ.get('bottle.exc_info') if isinstance(environ, dict) else None
            if isinstance(caught, tuple) and len(caught) == 3 and isinstance(caught[1], BaseException) \
                    and caught[1] is getattr(out, 'exception', None):
                if once(caught[2]):
                    owner.seen(caught[1], caught[2])
            elif out.__traceback__ is not None and not below_400(out) and not router_miss(out):
                owner.seen(out, out.__traceback__)
        return out
    return _handle


def _pyramid_answers(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    def error_of(request: Any = None, exc: Any = None, *_: Any, **kwargs: Any) -> Any:
        return kwargs.get('exc', exc)
    return _reporting(owner, original, error_of, _answer_of('pyramid.httpexceptions', 'HTTPException', 'code'))


def _server_prints(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """socketserver calls this from the `except` that caught the error: it is the one being handled."""
    @functools.wraps(original)
    def handle_error(server: Any, *args: Any, **kwargs: Any) -> Any:
        error = sys.exc_info()[1]
        if isinstance(error, BaseException):
            owner.seen(error, error.__traceback__)
        return original(server, *args, **kwargs)
    return handle_error


def _wsgi_server_answers(owner: FrameworkErrors, original: Callable[..., Any]) -> Callable[..., Any]:
    """wsgiref calls this from the `except` that caught the error; one a framework's hook reported
    on its way out (Pyramid's with no exception view for it) is not reported again."""
    @functools.wraps(original)
    def handle_error(handler: Any, *args: Any, **kwargs: Any) -> Any:
        _, error, tb = sys.exc_info()
        owner.escaped(error, tb)
        return original(handler, *args, **kwargs)
    return handle_error


Wrap = Callable[['FrameworkErrors', Callable[..., Any]], Callable[..., Any]]
# Methods, as framework_errors.py's WRAPPED: ((module, class, method), wrap).
MORE_WRAPPED: tuple[tuple[tuple[str, str, str], Wrap], ...] = (
    (LITESTAR_HANDLE, _litestar_answers),
    (LITESTAR_WS_HANDLE, _litestar_answers),
    (QUART_HANDLE, _quart_answers),
    (QUART_500, _quart_fails),
    (QUART_WS_500, _quart_fails),
    (FALCON_HANDLE, _falcon_answers),
    (FALCON_ASGI_HANDLE, _falcon_answers),
    (BOTTLE_HANDLE, _bottle_answers),
    (SOCKETSERVER_ERROR, _server_prints),
    (WSGIREF_ERROR, _wsgi_server_answers),
)
# Module globals: ((module, name), wrap).
MORE_GLOBALS: tuple[tuple[tuple[str, str], Wrap], ...] = (
    (PYRAMID_ERROR_HANDLER, _pyramid_answers),
)
