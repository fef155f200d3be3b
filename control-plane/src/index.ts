export { startControlPlane, type ControlPlane } from './start.js';
export type { ControlPlaneOptions, AuthOptions } from './options.js';
export type { LimitOptions } from './limits/limits.js';
export type { Role } from './auth/roles.js';
export type { TokenView, CreatedToken } from './auth/api-tokens.js';
export type { Principal } from './auth/principal.js';
export type { OidcOptions } from './auth/oidc.js';
export type { AuditEntry } from './audit/audit-trail.js';
export { createApp, type AppServices } from './http/app.js';
export { createServices, type Services, type ServicesDeps } from './services.js';
export type { RetainedPublisher } from './desired-state/desired-state.js';
export { openPostgresStore, openSqliteStore } from './database.js';
export type { SharedStore } from './store/postgres.js';
export type { PostgresCluster } from './store/postgres-cluster.js';
export type { Store, StoredAction, ActionStatusRecord, AgentRecord, Revised, SnapshotQuery } from './store/store.js';
export type { ActionView, ActionStatusView } from './actions/action-view.js';
export type { CreatedAction } from './actions/action-service.js';
export type { AgentView } from './agents/agent-directory.js';
export type { ErrorBody } from './http/error-response.js';
export type { SnapshotRecord, SnapshotSummary } from './snapshots/snapshot-summary.js';
export type { LiveEvent, SnapshotNotice } from './events/live-event.js';
export {
  ControlPlaneError,
  InvalidBodyError,
  InvalidJsonError,
  ActionNotFoundError,
  SnapshotNotFoundError,
  InvalidQueryError,
  RouteNotFoundError,
  PortInUseError,
  BrokerUnreachableError,
  StoreUnavailableError,
  InvalidOptionError,
  type BodyIssue,
} from './errors.js';
