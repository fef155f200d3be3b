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

/** A body the control plane refused, each issue told as the option or argument that set the field. */
export class InvalidOptionsError extends CliError {
  constructor(
    override readonly cause: ApiError,
    /** `typed` is the option and value (`--watch "a..b"`), absent for a field no option sets. */
    readonly issues: readonly (BodyIssue & { typed?: string })[],
    /** With `--json`: each line also names the body field, as the API reference does. */
    private readonly withFields: boolean,
  ) {
    super(cause.code, cause.message);
  }

  /** `--watch "a..b": syntax error …`, and ` (field watches.0)` with `--json`. */
  override lines(): string[] {
    return this.issues.map((issue) =>
      issue.typed === undefined
        ? `${issue.path}: ${issue.message}`
        : `${issue.typed}: ${issue.message}${this.withFields ? ` (field ${issue.path})` : ''}`,
    );
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
