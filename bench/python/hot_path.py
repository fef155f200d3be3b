"""The Python agent's per-hit benchmark process: the agent is started, and each JSON line on stdin
asks for one measured run of a small function, printing one JSON line on stdout. The same log
line is also written by hand, through the OpenTelemetry Logs API and through logging.

A run is batches of calls; between batches the agent's queue drains, so no hit is dropped. Per
call it reports the application thread's CPU time (time.thread_time_ns: what a hit costs the
code that hit it), the agent thread's CPU time, and the whole process's (the OpenTelemetry SDK's
export thread included, after a flush)."""
import json
import logging
import os
import sys
import threading
import time

import liveprobe_agent
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

agent = liveprobe_agent.start()
provider = LoggerProvider()
provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
otel_logger = provider.get_logger('hand-written')
std_logger = logging.getLogger('hand-written')
std_logger.addHandler(logging.StreamHandler(open(os.devnull, 'w')))
std_logger.propagate = False
std_logger.setLevel(logging.INFO)


def handle(order_id, total):
    seen = order_id  # probe: hot-line
    return total + seen


def handle_otel(order_id, total):
    otel_logger.emit(body=f'order {order_id} total {total}', severity_number=SeverityNumber.INFO, severity_text='INFO', attributes=CODE)
    return total + order_id


# What OpenTelemetry's logging integration attaches to a record: where it was written.
CODE = {'code.file.path': __file__, 'code.line.number': handle_otel.__code__.co_firstlineno + 1, 'code.function.name': 'handle_otel'}


def handle_logging(order_id, total):
    std_logger.info('order %s total %s', order_id, total)
    return total + order_id


VARIANTS = {'plain': handle, 'probed': handle, 'hand-otel': handle_otel, 'hand-logging': handle_logging}
BATCH = 2000  # well under the agent's queue (20,000 hits)


def agent_thread_ns():
    """CPU time of the agent's own thread, read from this one."""
    return time.clock_gettime_ns(time.pthread_getcpuclockid(agent.thread.ident))


def hits():
    return sum(entry.probe.hits for entry in agent.engine.installed.values())


def settle():
    """The agent's thread has taken every queued hit, and both exporters have sent what they hold."""
    while agent.outbox:
        time.sleep(0.0005)
    time.sleep(0.03)  # the drain pass that took the last item has finished
    provider.force_flush()
    agent.otel.flush()


def measure(function, batches):
    for i in range(BATCH):
        function(i, 1.5)
    settle()
    app = wall = 0
    hits_before = hits()
    process_before, agent_before = time.process_time_ns(), agent_thread_ns()
    for _ in range(batches):
        wall_start, app_start = time.perf_counter_ns(), time.thread_time_ns()
        for i in range(BATCH):
            function(i, 1.5)
        app += time.thread_time_ns() - app_start
        wall += time.perf_counter_ns() - wall_start
        while agent.outbox:
            time.sleep(0.0005)
    settle()
    calls = batches * BATCH
    return {
        'appNs': app / calls, 'wallNs': wall / calls, 'agentNs': (agent_thread_ns() - agent_before) / calls,
        'processNs': (time.process_time_ns() - process_before) / calls, 'calls': calls, 'hits': hits() - hits_before,
    }


print('ready', flush=True)
for line in sys.stdin:
    request = json.loads(line)
    print(json.dumps({'result': measure(VARIANTS[request['variant']], request.get('batches', 50))}), flush=True)
