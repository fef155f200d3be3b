"""The Flask service of the HTTP benchmark, driven in process: each JSON line on stdin asks for a
run of GET /products/tea through the app's WSGI interface on this thread (werkzeug's test
client, no sockets), and one JSON line on stdout gives per request the elapsed time, this
thread's CPU time and the whole process's (the agent's threads included). CPU time barely moves
with the machine's load, so variants in separate processes compare to a fraction of a percent."""
import json
import sys
import time

import flask_app

# Under `liveprobe-run` the agent started before this module; start() then returns it.
agent = sys.modules['liveprobe_agent'].start() if 'liveprobe_agent' in sys.modules else None
client = flask_app.app.test_client()


def settle():
    """What the agent's thread and the exporters still hold is done and paid for."""
    if agent is not None:
        while agent.outbox:
            time.sleep(0.001)
    time.sleep(0.03)  # (every variant: the same idle time for the agent's threads to wake in)
    if agent is not None:
        agent.otel.flush()
    if flask_app.by_hand is not None:
        flask_app.provider.force_flush()


def run(requests):
    for _ in range(200):
        client.get('/products/tea')
    settle()
    thread, process = time.thread_time_ns(), time.process_time_ns()
    for _ in range(requests):
        client.get('/products/tea')
    thread = time.thread_time_ns() - thread
    settle()
    process = time.process_time_ns() - process
    return {'threadNs': thread / requests, 'processNs': process / requests}


print('ready', flush=True)
for line in sys.stdin:
    print(json.dumps({'result': run(json.loads(line)['requests'])}), flush=True)
