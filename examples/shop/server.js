// The example shop: a JSON API with async handlers, a class and closures.
// Lines marked `probe:` are the ones the README and the tests put actions on.
import { createServer } from 'node:http';
import { Inventory } from './inventory.js';

const inventory = new Inventory([
  { sku: 'tea', name: 'Green tea', price: 4.5, stock: 1000 },
  { sku: 'mug', name: 'Blue mug', price: 12, stock: 500 },
  { sku: 'pot', name: 'Tea pot', price: 35, stock: 100 },
]);

const users = new Map([
  ['u1', { id: 'u1', name: 'Ada', tier: 'gold', email: 'ada@example.com' }],
  ['u2', { id: 'u2', name: 'Linus', tier: 'silver', email: 'linus@example.com' }],
]);

let nextOrderId = 1;

function discountFor(user) {
  const rate = user.tier === 'gold' ? 0.1 : 0;
  return rate;
}

async function checkout(userId, items) {
  const user = users.get(userId);
  if (user === undefined) throw new HttpError(404, `no user ${userId}`);
  await new Promise((resolve) => setImmediate(resolve));
  const lines = items.map(({ sku, quantity }) => {
    const product = inventory.find(sku);
    if (product === undefined) throw new HttpError(400, `no product ${sku}`);
    return { sku, quantity, amount: product.price * quantity };
  });
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  const amount = Math.round(subtotal * (1 - discountFor(user)) * 100) / 100;
  const order = { id: nextOrderId++, userId, lines, amount }; // probe: order-created
  for (const line of lines) inventory.reserve(line.sku, line.quantity);
  return order; // probe: checkout-return
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      try { resolve(body === '' ? {} : JSON.parse(body)); } catch { reject(new HttpError(400, 'body is not JSON')); }
    });
  });
}

async function route(req) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/health') return { ok: true };
  if (req.method === 'GET' && url.pathname.startsWith('/products/')) {
    const sku = url.pathname.slice('/products/'.length);
    const product = inventory.find(sku); // probe: product-lookup
    if (product === undefined) throw new HttpError(404, `no product ${sku}`);
    return product;
  }
  if (req.method === 'POST' && url.pathname === '/checkout') {
    const { user, items } = await readJson(req);
    return checkout(user, Array.isArray(items) ? items : []);
  }
  throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
}

const server = createServer((req, res) => {
  route(req).then(
    (body) => send(res, 200, body),
    (err) => send(res, err instanceof HttpError ? err.status : 500, { error: err.message }),
  );
});

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`shop listening on http://127.0.0.1:${address.port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
