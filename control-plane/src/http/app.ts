import { Hono } from 'hono';
import type { ActionService } from '../actions/action-service.js';
import type { AgentDirectory } from '../agents/agent-directory.js';
import { RouteNotFoundError } from '../errors.js';
import type { EventHub } from '../events/event-hub.js';
import { portalRoutes } from '../portal/portal-routes.js';
import type { SnapshotArchive } from '../snapshots/snapshot-archive.js';
import { guardApi, type ApiSecurity } from '../auth/guard.js';
import { actionsRoutes } from './actions-routes.js';
import { errorResponse } from './error-response.js';
import { eventsRoutes } from './events-routes.js';
import { snapshotsRoutes } from './snapshots-routes.js';

export interface AppServices {
  actions: ActionService;
  agents: AgentDirectory;
  events: EventHub;
  snapshots: SnapshotArchive;
  log: (line: string) => void;
  /** Authentication, roles, audit and input limits (auth/guard.ts); absent, the API is open. */
  security?: ApiSecurity;
}

/** The REST API (docs/api.md). Served by startControlPlane, or called in-process with `app.request()`. */
export function createApp(services: AppServices): Hono {
  const api = guardApi(new Hono(), services.security)
    .route('/actions', actionsRoutes(services.actions))
    .get('/agents', async (c) => c.json({ agents: await services.agents.list() }))
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
