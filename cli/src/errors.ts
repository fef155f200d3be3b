import { redactUrl, type BodyIssue } from '@liveprobe/protocol';

/** A failure the CLI reports as `error: <message>` and exit status 1. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The lines printed to stderr, without the `error: ` prefix. */
  lines(): string[] {
    return [this.message];
  }
}

export class ControlPlaneUnreachableError extends CliError {
  constructor(
    url: string,
    readonly reason: string,
  ) {
    super('unreachable', `cannot reach the control plane at ${redactUrl(url)} (${reason}); start it with "liveprobe up" or pass --server`);
  }
}

/** The control plane answered with an error body. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly issues: BodyIssue[] = [],
  ) {
    super(code, message);
  }

  override lines(): string[] {
    return this.issues.length > 0 ? this.issues.map((issue) => `${issue.path}: ${issue.message}`) : [this.message];
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super('usage', message);
  }
}

export class DemoError extends CliError {
  constructor(message: string) {
    super('demo', message);
  }
}
