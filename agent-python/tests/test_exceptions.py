"""Exception actions: an error the app does not catch (the main thread's, a thread's, an asyncio
task's nobody retrieved) or that a Flask view raises with no error handler answering it gives a
snapshot of the frame that raised it, with the Node agent's filters (type or base class, message
pattern, file globs), rate per stack, `frames`, `maxHits` and export, while the app's own hooks
run exactly as before."""
import asyncio
import gc
import sys
import threading

import pytest

from liveprobe_agent.agent import Agent


class PaymentError(ValueError):
    pass


def charge(amount, password):
    card = {'number': '4111 1111 1111 1111', 'amount': amount}
    raise PaymentError(f'declined: {amount}')  # the throw site


def checkout(order):
    total = order * 2
    charge(total, 'hunter2')


@pytest.fixture
def agent(recording_agent):
    made = recording_agent()
    made.spans = []  # type: ignore[attr-defined]
    made.otel.emit_span = lambda name, time_s, attributes, ids: made.spans.append((name, attributes))  # type: ignore[method-assign,attr-defined]
    return made


def watch(agent: Agent, **fields) -> None:
    agent.exceptions.reconcile([{'id': 'act_exc', 'type': 'exception', 'file': '', 'line': 0, 'tags': ['t'], 'agents': [],
                                 'maxHits': 100, 'ratePerMinute': 3, 'frames': 2, 'expiresAt': '2099-01-01T00:00:00Z', **fields}])
    agent.drain()


def snapshots(agent: Agent) -> list[dict]:
    return [e['snapshot'] for e in agent.published if e.get('kind') == 'snapshot']


def statuses(agent: Agent) -> list[tuple[str, str]]:
    return [(e['state'], e.get('message', '')) for e in agent.published if e.get('kind') == 'action_status']


def uncaught(order=3) -> None:
    """What Python does with an error nothing caught: hands it to sys.excepthook."""
    try:
        checkout(order)
    except PaymentError as err:
        sys.excepthook(type(err), err, err.__traceback__)


def test_an_uncaught_error_gives_a_snapshot_of_its_throw_site_and_caller_and_the_apps_hook_still_runs(agent, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, 'excepthook', lambda *args: seen.append(args[1]))
    watch(agent)
    assert statuses(agent)[-1][0] == 'installed' and statuses(agent)[-1][1].startswith('watching uncaught errors')
    uncaught()
    agent.drain()
    assert [type(e).__name__ for e in seen] == ['PaymentError'], "the app's own hook ran"
    [snap] = snapshots(agent)
    assert snap['exception'] == {'type': 'PaymentError', 'message': 'declined: 6', 'causes': []}
    assert snap['location'] == {'file': __file__, 'line': charge.__code__.co_firstlineno + 2, 'function': 'charge'}
    assert {v['name']: v['value'] for v in snap['arguments']} == {'amount': {'t': 'number', 'v': 6}, 'password': {'t': 'redacted'}}
    assert '4111' not in str(snap['locals'])
    [caller] = snap['frames']
    assert caller['location']['function'] == 'checkout' and caller['location']['line'] == checkout.__code__.co_firstlineno + 2
    assert [v['name'] for v in caller['arguments'] + caller['locals']] == ['order', 'total']
    assert snap['stack'][0]['line'] == snap['location']['line']
    [(name, attributes)] = agent.spans
    assert name == 'exception PaymentError'
    assert attributes['exception.type'] == 'PaymentError' and attributes['exception.message'] == 'declined: 6'
    assert attributes['exception.stacktrace'].endswith('PaymentError: declined: 6') and 'in charge' in attributes['exception.stacktrace']


@pytest.mark.parametrize(('fields', 'captured'), [
    ({'errorType': 'ValueError'}, True), ({'errorType': 'KeyError'}, False),
    ({'messagePattern': 'declined|expired'}, True), ({'messagePattern': '^timeout'}, False),
    ({'files': ['tests/test_exceptions.py']}, True), ({'files': ['src/**']}, False),
])
def test_the_filters(agent, monkeypatch, fields, captured):
    monkeypatch.setattr(sys, 'excepthook', lambda *args: None)
    watch(agent, **fields)
    uncaught()
    agent.drain()
    assert len(snapshots(agent)) == (1 if captured else 0)


def test_each_stack_gives_at_most_its_rate_a_minute_and_max_hits_ends_the_action(agent, monkeypatch):
    monkeypatch.setattr(sys, 'excepthook', lambda *args: None)
    watch(agent, ratePerMinute=2, maxHits=3)
    for _ in range(4):
        uncaught()
    agent.drain()
    assert len(snapshots(agent)) == 2, 'one stack, two a minute'
    try:
        charge(1, 'x')  # another stack
    except PaymentError as err:
        sys.excepthook(type(err), err, err.__traceback__)
    agent.drain()
    assert len(snapshots(agent)) == 3
    assert statuses(agent)[-1] == ('hit_limit', 'reached its limit of 3 hits')
    assert sys.excepthook is not agent.exceptions.sys_hook, 'the last action gone, the hook is the app’s again'


def test_a_threads_uncaught_error_and_an_asyncio_tasks_unretrieved_one(agent, monkeypatch):
    seen = []
    monkeypatch.setattr(threading, 'excepthook', lambda args: seen.append(args.exc_type))
    watch(agent, frames=1)
    worker = threading.Thread(target=checkout, args=(5,))
    worker.start()
    worker.join()
    assert seen == [PaymentError]

    async def job():
        checkout(7)

    loop = asyncio.new_event_loop()
    handled = []
    loop.set_exception_handler(lambda loop, context: handled.append(context['message']))
    task = loop.create_task(job())
    loop.run_until_complete(asyncio.sleep(0.01))
    del task
    gc.collect()
    loop.close()
    assert handled == ['Task exception was never retrieved']
    agent.drain()
    thread_snap, task_snap = snapshots(agent)
    assert thread_snap['exception']['message'] == 'declined: 10' and 'rejection' not in thread_snap['exception']
    assert 'frames' not in thread_snap
    assert task_snap['exception'] == {'type': 'PaymentError', 'message': 'declined: 14', 'causes': [], 'rejection': True}


def test_a_flask_views_error_no_handler_answers(agent):
    flask = pytest.importorskip('flask')
    app = flask.Flask('shop')

    @app.route('/checkout')
    def view():
        try:
            {}['missing']
        except KeyError as err:
            raise PaymentError('no card') from err

    watch(agent)
    assert app.test_client().get('/checkout').status_code == 500, 'Flask answers as before'
    agent.drain()
    [snap] = snapshots(agent)
    assert snap['location']['function'].endswith('view')
    assert snap['exception'] == {'type': 'PaymentError', 'message': 'no card', 'causes': [{'type': 'KeyError', 'message': "'missing'"}]}


def test_a_message_pattern_python_cannot_read_is_refused_with_why(agent):
    watch(agent, messagePattern='(?<name>x)')
    assert statuses(agent)[-1][0] == 'error'
    assert statuses(agent)[-1][1].startswith('messagePattern `(?<name>x)` is not a regular expression Python can read')


def test_a_django_views_error_sync_and_async_and_the_receiver_goes_with_the_action(agent):
    pytest.importorskip('django')
    from asgiref.sync import async_to_sync
    from django.conf import settings
    from django.core.signals import got_request_exception
    if not settings.configured:
        settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=['*'], DEBUG=False, MIDDLEWARE=[], SECRET_KEY='test-only')
        import django
        django.setup()
    from django.test import AsyncClient, Client

    before = list(got_request_exception.receivers)
    watch(agent)
    assert len(got_request_exception.receivers) == len(before) + 1
    response = Client(raise_request_exception=False).get('/django/checkout')
    assert response.status_code == 500, 'Django answers as before'
    assert Client().get('/django/swallowed').status_code == 200
    response = async_to_sync(AsyncClient(raise_request_exception=False).get)('/django/async')
    assert response.status_code == 500
    agent.drain()
    sync_snap, async_snap = snapshots(agent)
    assert sync_snap['location']['function'] == 'django_checkout'
    assert 'card' in str(sync_snap['locals']) and '4111' not in str(sync_snap), 'the card number is redacted'
    assert sync_snap['exception'] == {'type': 'PaymentError', 'message': 'no card', 'causes': []}
    assert async_snap['location']['function'] == 'django_async' and async_snap['exception']['message'] == 'async card'
    agent.exceptions.reconcile([])
    assert got_request_exception.receivers == before, "the app's receivers as they were"


def django_checkout(request):
    card = '4111 1111 1111 1111'
    raise PaymentError('no card')


def django_swallowed(request):
    from django.http import HttpResponse
    try:
        charge(1, 'x')
    except PaymentError:
        return HttpResponse('fallback')


async def django_async(request):
    card = '4111 1111 1111 1111'
    raise PaymentError('async card')


def __getattr__(name: str):
    """Django reads `urlpatterns` from this module (ROOT_URLCONF) once its settings are made."""
    if name == 'urlpatterns':
        from django.urls import path
        return [path('django/checkout', django_checkout), path('django/swallowed', django_swallowed),
                path('django/async', django_async)]
    raise AttributeError(name)


def test_a_starlette_endpoints_error_a_handler_by_class_or_status_answers_and_uvicorns_log_of_one_that_escaped(agent):
    pytest.importorskip('fastapi')
    pytest.importorskip('uvicorn')
    import logging

    import starlette._exception_handler as handling
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse
    from starlette.testclient import TestClient
    import uvicorn.config  # noqa: F401  makes the `uvicorn.error` logger

    app = FastAPI()

    @app.exception_handler(PaymentError)
    def declined(request, exc):
        return JSONResponse({'declined': True}, status_code=402)

    @app.exception_handler(404)
    def missing(request, exc):
        return JSONResponse({'missing': exc.detail}, status_code=404)

    @app.get('/pay')
    def pay():
        checkout(4)

    @app.get('/safe')
    def safe():
        try:
            checkout(1)
        except PaymentError:
            return {'ok': True}

    original = handling.is_async_callable
    server_log = logging.getLogger('uvicorn.error')
    filters = list(server_log.filters)
    watch(agent)
    assert handling.is_async_callable is not original
    assert handling.is_async_callable.__wrapped__ is original
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get('/pay')
    assert (response.status_code, response.json()) == (402, {'declined': True}), "the app's handler answers as before"
    assert client.get('/safe').json() == {'ok': True}
    response = client.get('/nowhere')
    assert (response.status_code, response.json()) == (404, {'missing': 'Not Found'}), 'the handler for 404 answers as before'
    response = client.post('/safe')
    assert (response.status_code, response.json()) == (405, {'detail': 'Method Not Allowed'})
    try:
        charge(9, 'x')
    except PaymentError as err:
        server_log.error('Exception in ASGI application\n', exc_info=err)
    agent.drain()
    # The router's own 404 and 405 (no frame of the app), which the handler for 404 and Starlette's answered, give nothing.
    handled, escaped = snapshots(agent)
    assert handled['location']['function'] == 'charge' and handled['exception']['message'] == 'declined: 8'
    assert handled['frames'][0]['location']['function'] == 'checkout'
    assert escaped['exception']['message'] == 'declined: 9'
    agent.exceptions.reconcile([])
    assert handling.is_async_callable is original and server_log.filters == filters


def test_an_http_exceptions_detail_is_its_message_redacted_and_none_of_its_code_runs(agent):
    pytest.importorskip('fastapi')
    from fastapi import FastAPI, HTTPException
    from starlette.testclient import TestClient

    class Guarded(HTTPException):
        """Its __str__ and a property would run app code: the agent reads neither."""
        ran = []

        def __str__(self):
            Guarded.ran.append('__str__')
            return 'from __str__'

        @property
        def headers_seen(self):
            Guarded.ran.append('property')
            return None

    app = FastAPI()

    @app.get('/token')
    def token():
        err = HTTPException(status_code=401, detail='Bearer abcdefgh12345678 rejected')  # no args at all
        raise err

    @app.get('/guarded')
    def guarded():
        raise Guarded(409, 'already paid')

    watch(agent, errorType='HTTPException')
    client = TestClient(app, raise_server_exceptions=False)
    assert client.get('/token').status_code == 401
    assert client.get('/guarded').status_code == 409
    agent.drain()
    token_snap, guarded_snap = snapshots(agent)
    assert token_snap['exception']['message'] == 'Bearer [REDACTED] rejected', 'the detail is redacted as a message is'
    err = next(v for v in token_snap['locals'] if v['name'] == 'err')['value']
    assert (err['t'], err['message']) == ('error', 'Bearer [REDACTED] rejected'), 'a variable holding one shows its detail too'
    assert guarded_snap['exception']['message'] == 'already paid'
    assert Guarded.ran == []
