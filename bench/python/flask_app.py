"""The Flask service of the Python agent's HTTP benchmark (PORT=0 picks a free port). With
LOG_BY_HAND=1 it writes the benchmark's log line itself, through the OpenTelemetry Logs API
(batching, OTLP export), as an app would without liveprobe."""
import os

from flask import Flask, jsonify
from waitress.server import create_server

CATALOG = {'tea': {'sku': 'tea', 'price': 4.5}, 'pot': {'sku': 'pot', 'price': 35.0}}
app = Flask(__name__)
by_hand = None
if os.environ.get('LOG_BY_HAND') == '1':
    from opentelemetry._logs import SeverityNumber
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

    provider = LoggerProvider()
    provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    by_hand = provider.get_logger('hand-written')
    where = {'code.file.path': __file__, 'code.function.name': 'product'}


@app.get('/products/<sku>')
def product(sku):
    item = CATALOG.get(sku)
    if by_hand is not None:  # probe: product-lookup
        by_hand.emit(body=f'product {sku}: {item}', severity_number=SeverityNumber.INFO, severity_text='INFO', attributes=where)
    return jsonify(item)


if __name__ == '__main__':
    # waitress: a production WSGI server (threads, keep-alive) in one process, as the agent expects.
    server = create_server(app, host='127.0.0.1', port=int(os.environ.get('PORT', '0')), threads=4)
    print(f'listening on http://127.0.0.1:{server.effective_port}', flush=True)
    server.run()
