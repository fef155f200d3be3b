import { redactUrl, type BodyIssue, type CliErrorOutput } from '@liveprobe/protocol';
import { defined } from '@liveprobe/protocol/util';

/** A failure the CLI reports as `error: <message>` and exit status 1 (with `--json`, also as `output()` on stdout). */
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

  /** The document printed on stdout with `--json`. */
  output(): CliErrorOutput {
    return { error: { code: this.code, message: this.message } };
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

/** A server answered 2xx with a body that is not JSON: `--server` names something else (a web page, a proxy's login). */
export class NotControlPlaneError extends CliError {
  constructor(url: string, request: string, contentType: string | null, body: string) {
    const start = body.slice(0, 80).replace(/\s+/g, ' ').trim();
    super(
      'not_control_plane',
      `the server at ${redactUrl(url)} is not a liveprobe control plane: ${request} answered ${contentType ?? 'no content type'}, not JSON ("${start}"); check --server (or LIVEPROBE_SERVER), e.g. http://127.0.0.1:8080`,
    );
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

  override output(): CliErrorOutput {
    return withIssues(this, this.issues);
  }
}

/** A body the control plane refused, each issue told as the option or argument that set the field. */
export class InvalidOptionsError extends CliError {
  constructor(
    override readonly cause: ApiError,
    /** `option` sets the field (`--watch`), `typed` is it with its value (`--watch "a..b"`); both absent for a field no option sets. */
    readonly issues: readonly (BodyIssue & { option?: string; typed?: string })[],
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

  override output(): CliErrorOutput {
    return withIssues(this, this.issues);
  }
}

/**
 * Every agent that answered refused the action, which stays for agents that join later. With
 * `--json` the one document is the response body as a success prints it, plus `error`: a
 * script finds the action's id there to remove it.
 */
export class RefusedError extends CliError {
  constructor(
    message: string,
    readonly body: object = {},
  ) {
    super('refused', message);
  }

  override output(): CliErrorOutput {
    return { ...super.output(), ...this.body };
  }
}

/**
 * `actions rm` was given several ids and some could not be removed; the others were, and stay
 * removed. With `--json` the document also lists both, so a script knows what is left to do.
 */
export class NotAllRemovedError extends CliError {
  constructor(
    readonly deleted: readonly string[],
    readonly failed: readonly { id: string; error: CliError }[],
  ) {
    const total = deleted.length + failed.length;
    super(
      'not_all_removed',
      `${failed.length} of ${total} actions not removed: ${failed.map((f) => `${f.id} (${f.error.message})`).join('; ')}${deleted.length === 0 ? '' : `; removed: ${deleted.join(', ')}`}`,
    );
  }

  override output(): CliErrorOutput {
    const lists: object = { deleted: [...this.deleted], failed: this.failed.map(({ id, error }) => ({ id, ...error.output().error })) };
    return { ...super.output(), ...lists };
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

/** The issues named by body field, and by the option that set it where one did. */
function withIssues(err: CliError, issues: readonly (BodyIssue & { option?: string })[]): CliErrorOutput {
  const fields = issues.map(({ path, option, message }) => ({ field: path, ...defined({ option }), message }));
  return { error: { code: err.code, message: err.message, ...(fields.length === 0 ? {} : { issues: fields }) } };
}
