/**
 * The control plane's HTTP app, assembled in one place: every middleware and every route of the
 * REST API (in the order a request meets them), the portal, and the error responses.
 */
import { createRequire } from 'node:module';
import { Hono } from 'hono';
import type { AgentList } from '@liveprobe/protocol';
import type { ActionService } from '../actions/action-service.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import { auditing } from '../audit/audit-middleware.js';
import type { ApiTokens } from '../auth/api-tokens.js';
import { authentication } from '../auth/authenticate.js';
import type { ApiSecurity } from '../auth/setup.js';
import { RouteNotFoundError } from '../errors.js';
import type { EventHub } from '../events/event-hub.js';
import { actionsPerTarget, requestLimits, revivalPerTarget } from '../limits/limits.js';
import { openApiDocument } from '../openapi/openapi.js';
import { portalRoutes } from '../portal/portal-routes.js';
import type { SnapshotArchive } from '../snapshots/snapshot-archive.js';
import { actionsRoutes } from './actions-routes.js';
import { auditRoutes } from './audit-routes.js';
import { errorResponse } from './error-response.js';
import { eventsRoutes } from './events-routes.js';
import { snapshotsRoutes } from './snapshots-routes.js';
import { tokensRoutes } from './tokens-routes.js';

const { version: VERSION } = createRequire(import.meta.url)('../../package.json') as { version: string };

export interface AppServices {
  actions: ActionService;
  agents: AgentDirectory;
  events: EventHub;
  snapshots: SnapshotArchive;
  log: (line: string) => void;
  /** Authentication, roles, audit and input limits (auth/setup.ts); absent, the API is open. */
  security?: ApiSecurity;
}

/** The REST API (docs/api.md). Served by startControlPlane, or called in-process with `app.request()`. */
export function createApp(services: AppServices): Hono {
  const { security } = services;
  const api = new Hono();
  let document: Record<string, unknown> | undefined;
  // Public: registered before the middleware below, which a request meets only after it.
  api.get('/openapi.json', (c) => c.json((document ??= openApiDocument(VERSION))));
  if (security !== undefined) {
    for (const limit of requestLimits(security.limits)) api.use('*', limit);
    // Auditing wraps authentication, so it also sees the requests refused for their role.
    api.use('*', auditing(security.audit.trail, security.audit.before, security.log));
    api.use('*', authentication(security.auth));
    api.post('/actions', actionsPerTarget(security.store, security.limits.maxActionsPerTarget));
    api.patch('/actions/:id', revivalPerTarget(security.store, security.limits.maxActionsPerTarget));
    api.route('/', tokensRoutes(security.auth.tokens as ApiTokens, security.now));
    api.route('/', auditRoutes(security.audit.trail));
  }
  api
    .route('/actions', actionsRoutes(services.actions))
    .get('/agents', async (c) => c.json({ agents: await services.agents.list() } satisfies AgentList))
    .route('/events', eventsRoutes(services.events))
    .route('/snapshots', snapshotsRoutes(services.snapshots))
    .get('/healthz', (c) => c.json({ ok: true }));

  return (
    new Hono()
      .route('/api/v1', api)
      .route('/', portalRoutes())
      // Also at the root, where load balancers and orchestrators look by default.
      .get('/healthz', (c) => c.json({ ok: true }))
      .notFound((c) => errorResponse(c, new RouteNotFoundError(c.req.method, c.req.path), services.log))
      .onError((err, c) => errorResponse(c, err, services.log))
  );
}
