"""Exception actions on errors the frameworks of more_framework_errors.py answer, where a case is
beyond the end-to-end tests' apps (test/agent-python/framework-exceptions-asgi.test.ts and -wsgi.test.ts)."""
import io
from wsgiref.util import setup_testing_defaults

import pytest

from test_exceptions import agent, snapshots, watch  # noqa: F401 (agent is a fixture)


def test_a_route_error_of_a_bottle_app_mounted_in_another_gives_one_snapshot(agent):  # noqa: F811
    """The mounted app answers 500 and hands the error to the mounting app, which raises it again."""
    bottle = pytest.importorskip('bottle')
    shop, site = bottle.Bottle(), bottle.Bottle()

    @shop.get('/pay')
    def pay():
        card = '4111111111111111'
        raise ValueError(f'declined {card[-4:]}')

    site.mount('/shop', shop)
    watch(agent)
    environ: dict = {}
    setup_testing_defaults(environ)
    environ.update(PATH_INFO='/shop/pay', **{'wsgi.errors': io.StringIO()})
    statuses: list[str] = []
    b''.join(site(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses == ['500 Internal Server Error'], 'Bottle answers as before'
    agent.drain()
    [snap] = snapshots(agent)
    assert snap['location']['function'].endswith('pay')
    assert snap['exception']['message'] == 'declined 1111'
