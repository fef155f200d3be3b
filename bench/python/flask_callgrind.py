"""The Flask service of the HTTP benchmark, for instruction counts: run under
`valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce`, it serves
GET /products/tea N times (argv[1]) through the WSGI interface inside one functools.reduce call,
so callgrind counts exactly those requests (start-up, imports and warm-up are outside it).
Instruction counts do not depend on what else the machine runs."""
import functools
import sys
import time

import flask_app

client = flask_app.app.test_client()
for _ in range(100):
    client.get('/products/tea')
time.sleep(2)  # the agent, when loaded, has connected and gone idle
functools.reduce(lambda _, __: client.get('/products/tea'), range(int(sys.argv[1])), None)
