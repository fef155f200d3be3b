"""The Python agent's per-hit benchmark process: the agent is started, and each JSON line on stdin
asks for one timed loop over a small function, printing {"nsPerCall", "calls"} on stdout. The
same log line is also written by hand, through the OpenTelemetry Logs API and through logging."""
import json
import logging
import os
import sys
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


def measure(function, target_s=0.3):
    for i in range(2000):
        function(i, 1.5)
    calls = 0
    started = time.perf_counter_ns()
    while time.perf_counter_ns() - started < target_s * 1e9:
        for i in range(1000):
            function(i, 1.5)
        calls += 1000
    # The agent's thread finishes what the hits queued: its time counts too.
    while agent.outbox:
        time.sleep(0.0005)
    return (time.perf_counter_ns() - started) / calls, calls


print('ready', flush=True)
for line in sys.stdin:
    request = json.loads(line)
    ns, calls = measure(VARIANTS[request['variant']])
    print(json.dumps({'nsPerCall': ns, 'calls': calls}), flush=True)
