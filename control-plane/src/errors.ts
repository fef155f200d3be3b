/** Every failure the control plane reports has a stable code; the REST layer maps codes to statuses. */
import type { BodyIssue } from '@liveprobe/protocol';

export type { BodyIssue };
export class ControlPlaneError extends Error {
  constructor(
    readonly code: string,
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
  constructor(url: string, reason: string) {
    super(
      'broker_unreachable',
      `cannot connect to the MQTT broker at ${url} (${reason}); check that it is running and reachable, or omit the broker URL to use the embedded one`,
    );
  }
}

export class StoreUnavailableError extends ControlPlaneError {
  constructor(dbPath: string, cause: unknown) {
    super(
      'store_unavailable',
      `cannot prepare the database at ${dbPath} (${cause instanceof Error ? cause.message : String(cause)}); check the file is writable and was created by a compatible liveprobe version`,
      { cause },
    );
  }
}

export class InvalidOptionError extends ControlPlaneError {
  constructor(option: string, value: unknown, expected: string) {
    super('invalid_option', `${option} is ${JSON.stringify(value)}; expected ${expected}`);
  }
}
