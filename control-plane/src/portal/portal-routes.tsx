import { Hono, type Context } from 'hono';
import type { HtmlEscapedString } from 'hono/utils/html';
import { readFile } from 'node:fs/promises';
import { ClientAssets } from './client-assets.js';
import { IMPORT_MAP_CSP_SOURCE, SHARED_MODULE_PREFIX, sharedModulePath } from './import-map.js';
import { ActionsPage } from './pages/actions-page.js';
import { AgentsPage } from './pages/agents-page.js';
import { ConsolePage } from './pages/console-page.js';
import { SnapshotPage } from './pages/snapshot-page.js';
import { SnapshotsPage } from './pages/snapshots-page.js';

/**
 * Nothing outside this origin may load or run: the portal works air-gapped, and a captured
 * value that looks like markup can never become script.
 */
const SECURITY_HEADERS = {
  'content-security-policy': `default-src 'self'; script-src 'self' ${IMPORT_MAP_CSP_SOURCE}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
  'x-content-type-options': 'nosniff',
};

/** The web portal: server-rendered pages, and the browser modules that fill them from the REST API. */
export function portalRoutes(): Hono {
  const assets = new ClientAssets();
  return new Hono()
    .get('/', (c) => c.redirect('/actions'))
    .get('/agents', (c) => page(c, <AgentsPage />))
    .get('/actions', (c) => page(c, <ActionsPage />))
    .get('/console', (c) => page(c, <ConsolePage />))
    .get('/snapshots', (c) => page(c, <SnapshotsPage />))
    .get('/snapshots/:id', (c) => page(c, <SnapshotPage id={c.req.param('id')} />))
    .get('/assets/portal/:name', async (c) => {
      const name = c.req.param('name');
      const text = await assets.read(name);
      if (text === undefined) return c.text(`no portal asset ${name}`, 404);
      // Modules change only with a new build, which restarts the server: revalidating is cheap.
      return c.body(text, 200, { ...SECURITY_HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
    })
    .get(`${SHARED_MODULE_PREFIX}:name`, async (c) => {
      const path = sharedModulePath(c.req.param('name'));
      if (path === undefined) return c.text(`no shared module ${c.req.param('name')}`, 404);
      return c.body(await readFile(path, 'utf8'), 200, {
        ...SECURITY_HEADERS,
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-cache',
      });
    });
}

function page(c: Context, body: HtmlEscapedString | Promise<HtmlEscapedString>): Response | Promise<Response> {
  return c.html(body, 200, SECURITY_HEADERS);
}
