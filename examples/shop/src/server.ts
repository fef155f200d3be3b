// The example shop: a JSON API with async handlers, a class and closures, compiled by tsc
// with source maps. Lines marked `probe:` are the ones the README and the tests use.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Inventory } from './inventory.js';

interface User {
  id: string;
  name: string;
  tier: 'gold' | 'silver';
  email: string;
}

interface OrderLine { // probe: type-only
  sku: string;
  quantity: number;
  amount: number;
}

interface Order {
  id: number;
  userId: string;
  lines: OrderLine[];
  amount: number;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const inventory = new Inventory([
  { sku: 'tea', name: 'Green tea', price: 4.5, stock: 1000 },
  { sku: 'mug', name: 'Blue mug', price: 12, stock: 500 },
  { sku: 'pot', name: 'Tea pot', price: 35, stock: 100 },
]);

const users = new Map<string, User>([
  ['u1', { id: 'u1', name: 'Ada', tier: 'gold', email: 'ada@example.com' }],
  ['u2', { id: 'u2', name: 'Linus', tier: 'silver', email: 'linus@example.com' }],
]);

let nextOrderId = 1;

function discountFor(user: User): number {
  const rate = user.tier === 'gold' ? 0.1 : 0;
  return rate;
}

async function checkout(userId: string, items: { sku: string; quantity: number }[]): Promise<Order> {
  const user = users.get(userId);
  if (user === undefined) throw new HttpError(404, `no user ${userId}`);
  await new Promise((resolve) => setImmediate(resolve));
  const lines = items.map(({ sku, quantity }): OrderLine => {
    const product = inventory.find(sku);
    if (product === undefined) throw new HttpError(400, `no product ${sku}`);
    return { sku, quantity, amount: product.price * quantity }; // probe: line-amount
  });
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  const amount = Math.round(subtotal * (1 - discountFor(user)) * 100) / 100;
  const order: Order = { id: nextOrderId++, userId, lines, amount }; // probe: order-created
  for (const line of lines) {
    inventory.reserve(line.sku, line.quantity); // probe: reserve-loop
  }
  return order; // probe: checkout-return
}

function readJson(req: IncomingMessage): Promise<{ user?: string; items?: unknown }> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      try { resolve(body === '' ? {} : JSON.parse(body)); } catch { reject(new HttpError(400, 'body is not JSON')); }
    });
  });
}

async function route(req: IncomingMessage): Promise<unknown> {
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
    return checkout(user ?? '', Array.isArray(items) ? items : []);
  }
  throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  route(req).then(
    (body) => send(res, 200, body),
    (err: unknown) => send(res, err instanceof HttpError ? err.status : 500, { error: err instanceof Error ? err.message : String(err) }),
  );
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`shop listening on http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
