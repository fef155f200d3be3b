"""The Flask service of the Python agent's HTTP benchmark (PORT=0 picks a free port)."""
import os

from flask import Flask, jsonify
from waitress.server import create_server

CATALOG = {'tea': {'sku': 'tea', 'price': 4.5}, 'pot': {'sku': 'pot', 'price': 35.0}}
app = Flask(__name__)


@app.get('/products/<sku>')
def product(sku):
    item = CATALOG.get(sku)  # probe: product-lookup
    return jsonify(item)


if __name__ == '__main__':
    # waitress: a production WSGI server (threads, keep-alive) in one process, as the agent expects.
    server = create_server(app, host='127.0.0.1', port=int(os.environ.get('PORT', '0')), threads=4)
    print(f'listening on http://127.0.0.1:{server.effective_port}', flush=True)
    server.run()
