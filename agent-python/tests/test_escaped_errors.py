"""Exception actions on errors that escape a framework's usual error handling to its last answer
(a WSGI server's 500, Quart's 500, a Flask teardown function's error), each reported once, and not
again by the server when a framework's hook reported it on its way out. The same through real
servers: test/agent-python/framework-exceptions-servers.test.ts."""
import asyncio
import io
import wsgiref.handlers
from wsgiref.util import setup_testing_defaults

import pytest

from test_exceptions import agent, snapshots, watch  # noqa: F401 (agent is a fixture)


def served(app, path: str = '/') -> tuple[str, str]:
    """One request through wsgiref's handler, as its server runs it: the answer (its status line
    and body) and what it logged."""
    environ: dict = {}
    setup_testing_defaults(environ)
    environ['PATH_INFO'] = path
    out, errors = io.BytesIO(), io.StringIO()
    wsgiref.handlers.SimpleHandler(io.BytesIO(), out, errors, environ, multithread=False).run(app)
    head, _, body = out.getvalue().decode().partition('\r\n\r\n')
    return f'{head.splitlines()[0]} {body}', errors.getvalue()


class LedgerFull(Exception):
    pass


def ledger_app(environ, start_response):
    session_token = 'tok-secret'
    raise LedgerFull(f'no room for {environ["PATH_INFO"]} {session_token[:3]}')


def test_an_error_escaping_a_wsgi_app_to_wsgirefs_500_gives_one_snapshot_and_wsgiref_is_put_back(agent):
    handle_error = wsgiref.handlers.BaseHandler.handle_error
    without, logged = served(ledger_app)
    watch(agent)
    assert wsgiref.handlers.BaseHandler.handle_error is not handle_error
    answer, logged_with = served(ledger_app)
    assert answer == without and answer.startswith('HTTP/1.0 500')
    assert 'LedgerFull: no room for / tok' in logged_with and logged.splitlines()[-1] == logged_with.splitlines()[-1]
    agent.drain()
    [snap] = snapshots(agent)
    assert snap['location']['function'] == 'ledger_app'
    assert snap['exception'] == {'type': 'LedgerFull', 'message': 'no room for / tok', 'causes': []}
    agent.exceptions.reconcile([])
    assert wsgiref.handlers.BaseHandler.handle_error is handle_error


def test_a_pyramid_views_error_no_exception_view_answers_gives_one_snapshot_not_a_second_from_wsgiref(agent):
    pytest.importorskip('pyramid')
    from pyramid.config import Configurator

    def pay(request):
        raise LedgerFull('no exception view for this')

    with Configurator() as config:
        config.add_route('pay', '/pay')
        config.add_view(pay, route_name='pay')
        app = config.make_wsgi_app()
    watch(agent)
    answer, _ = served(app, '/pay')
    assert answer.startswith('HTTP/1.0 500')
    agent.drain()
    assert [s['location']['function'].rsplit('.', 1)[-1] for s in snapshots(agent)] == ['pay']


def test_flask_after_request_and_teardown_errors_each_give_one_snapshot(agent):
    """Flask answers an `after_request` function's error 500 (its signal); a teardown function's
    escapes `wsgi_app` to the server, which answers 500."""
    flask = pytest.importorskip('flask')
    app = flask.Flask('shop')

    @app.get('/after')
    def after_view():
        return 'ok'

    @app.get('/teardown')
    def teardown_view():
        return 'ok'

    @app.after_request
    def audit(response):
        if flask.request.path == '/after':
            raise LedgerFull('audit after the view')
        return response

    @app.teardown_request
    def close_ledger(error):
        if flask.request.path == '/teardown':
            raise LedgerFull('ledger would not close')

    watch(agent)
    assert served(app, '/after')[0].startswith('HTTP/1.0 500')
    assert served(app, '/teardown')[0].startswith('HTTP/1.0 500')
    agent.drain()
    assert sorted((s['location']['function'].rsplit('.', 1)[-1], s['exception']['message']) for s in snapshots(agent)) == [
        ('audit', 'audit after the view'), ('close_ledger', 'ledger would not close')]


def test_quart_after_request_errors_give_one_snapshot_and_a_views_error_still_one(agent):
    """Quart answers 500 an `after_request` function's error and a view's no handler answers, the
    latter reported as `handle_user_exception` raises it on."""
    quart = pytest.importorskip('quart')
    app = quart.Quart('shop')

    @app.get('/after')
    async def after_view():
        return 'ok'

    @app.get('/view')
    async def failing_view():
        raise LedgerFull('the view failed')

    @app.after_request
    async def audit(response):
        if quart.request.path == '/after':
            raise LedgerFull('audit after the view')
        return response

    watch(agent)

    async def ask() -> list[int]:
        client = app.test_client()
        return [(await client.get('/after')).status_code, (await client.get('/view')).status_code]

    assert asyncio.run(ask()) == [500, 500]
    agent.drain()
    assert sorted((s['location']['function'].rsplit('.', 1)[-1], s['exception']['message']) for s in snapshots(agent)) == [
        ('audit', 'audit after the view'), ('failing_view', 'the view failed')]


class AuditMiddleware:
    """A middleware whose own code fails, before the view runs."""
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trail = request.path
        raise LedgerFull(f'audit of {trail} failed')


def async_audit_middleware(get_response):
    from asgiref.sync import markcoroutinefunction

    async def async_audit(request):
        trail = request.path
        raise LedgerFull(f'async audit of {trail} failed')
    return markcoroutinefunction(async_audit)


async_audit_middleware.sync_capable = False  # type: ignore[attr-defined]
async_audit_middleware.async_capable = True  # type: ignore[attr-defined]


def test_a_django_middlewares_own_error_sync_and_async_gives_one_snapshot(agent):
    """Django answers 500 an error a middleware raised (its signal), through the WSGI and ASGI handlers."""
    pytest.importorskip('django')
    from asgiref.sync import async_to_sync
    from django.conf import settings
    if not settings.configured:
        settings.configure(ROOT_URLCONF='test_exceptions', ALLOWED_HOSTS=['*'], DEBUG=False, MIDDLEWARE=[], SECRET_KEY='test-only')
        import django
        django.setup()
    from django.test import AsyncClient, Client, override_settings

    watch(agent)
    with override_settings(MIDDLEWARE=[f'{__name__}.AuditMiddleware']):
        assert Client(raise_request_exception=False).get('/django/checkout').status_code == 500
    with override_settings(MIDDLEWARE=[f'{__name__}.async_audit_middleware']):
        assert async_to_sync(AsyncClient(raise_request_exception=False).get)('/django/checkout').status_code == 500
    agent.drain()
    assert sorted((s['location']['function'].rsplit('.', 1)[-1], s['exception']['message']) for s in snapshots(agent)) == [
        ('__call__', 'audit of /django/checkout failed'), ('async_audit', 'async audit of /django/checkout failed')]
