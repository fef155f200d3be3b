import { errorMessage } from '@liveprobe/protocol/util';
import { redactUrlsIn, type BodyIssue } from '@liveprobe/protocol';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type { BodyIssue };

/**
 * Every code the control plane reports, beside the HTTP status the REST API answers it with.
 * The start-up codes (below the line) never reach a request; if one did, it would be a 500.
 */
export const ERROR_STATUS = {
  invalid_body: 400,
  invalid_json: 400,
  invalid_query: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  too_many_actions: 409,
  payload_too_large: 413,
  rate_limited: 429,
  idp_unavailable: 503,
  // Start-up: options, ports, the broker, the store, keys and certificates.
  invalid_option: 500,
  port_in_use: 500,
  broker_unreachable: 500,
  store_unavailable: 500,
  signing_key_unusable: 500,
  tls_unusable: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Every failure the control plane reports has a stable code from ERROR_STATUS. */
export class ControlPlaneError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidBodyError extends ControlPlaneError {
  constructor(readonly issues: BodyIssue[]) {
    super(
      'invalid_body',
      `the request body has ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }
}

export class InvalidJsonError extends ControlPlaneError {
  constructor(reason: string) {
    super('invalid_json', `the request body is not valid JSON (${reason}); send a JSON object with Content-Type: application/json`);
  }
}

export class ActionNotFoundError extends ControlPlaneError {
  constructor(id: string) {
    super('not_found', `no action ${id}; list the existing ones with GET /api/v1/actions or \`liveprobe actions\``);
  }
}

export class SnapshotNotFoundError extends ControlPlaneError {
  constructor(id: string) {
    super(
      'not_found',
      `no snapshot ${id}; list the stored ones with GET /api/v1/snapshots or \`liveprobe snapshots\` (each action keeps only its newest snapshots)`,
    );
  }
}

export class InvalidQueryError extends ControlPlaneError {
  constructor(readonly issues: BodyIssue[]) {
    super(
      'invalid_query',
      `the query string has ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }
}

export class RouteNotFoundError extends ControlPlaneError {
  constructor(method: string, path: string) {
    super('not_found', `no route ${method} ${path}; the API lives under /api/v1 (see docs/api.md)`);
  }
}

export class PortInUseError extends ControlPlaneError {
  constructor(what: string, host: string, port: number) {
    super(
      'port_in_use',
      `cannot listen for ${what} on ${host}:${port}: the port is already in use; stop the other process or choose another port (0 picks a free one)`,
    );
  }
}

export class BrokerUnreachableError extends ControlPlaneError {
  /** `url` as shown to people: without its password (redactUrl). */
  constructor(url: string, reason: string) {
    super(
      'broker_unreachable',
      `cannot connect to the MQTT broker at ${url} (${redactUrlsIn(reason)}); check that it is running and reachable, or omit the broker URL to use the embedded one`,
    );
  }
}

export class StoreUnavailableError extends ControlPlaneError {
  constructor(dbPath: string, cause: unknown) {
    super(
      'store_unavailable',
      `cannot prepare the database at ${dbPath} (${redactUrlsIn(errorMessage(cause))}); check the file is writable and was created by a compatible liveprobe version`,
      { cause },
    );
  }
}

export class InvalidOptionError extends ControlPlaneError {
  constructor(option: string, value: unknown, expected: string) {
    super('invalid_option', `${option} is ${JSON.stringify(value)}; expected ${expected}`);
  }
}
