export { startControlPlane, type ControlPlane } from './start.js';
export type { ControlPlaneOptions } from './options.js';
export { createApp, type AppServices } from './http/app.js';
export { createServices, type Services, type ServicesDeps } from './services.js';
export type { RetainedPublisher } from './desired-state/desired-state.js';
export { openSqliteStore } from './store/sqlite.js';
export type { Store, StoredAction, ActionStatusRecord, AgentRecord, Revised } from './store/store.js';
export type { ActionView, ActionStatusView } from './actions/action-view.js';
export type { CreatedAction } from './actions/action-service.js';
export type { AgentView } from './agents/agent-directory.js';
export type { ErrorBody } from './http/error-response.js';
export {
  ControlPlaneError,
  InvalidBodyError,
  InvalidJsonError,
  ActionNotFoundError,
  RouteNotFoundError,
  PortInUseError,
  BrokerUnreachableError,
  StoreUnavailableError,
  InvalidOptionError,
  type BodyIssue,
} from './errors.js';
