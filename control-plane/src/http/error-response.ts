import { errorMessage } from '@liveprobe/protocol/util';
import type { Context } from 'hono';
import { redactUrlsIn, type ErrorBody } from '@liveprobe/protocol';
import { ControlPlaneError, ERROR_STATUS, InvalidBodyError, InvalidQueryError } from '../errors.js';

export function errorResponse(c: Context, err: unknown, log: (line: string) => void): Response {
  if (err instanceof ControlPlaneError) {
    const body: ErrorBody = {
      error: {
        code: err.code,
        message: err.message,
        ...(err instanceof InvalidBodyError || err instanceof InvalidQueryError ? { issues: err.issues } : {}),
      },
    };
    return c.json(body, ERROR_STATUS[err.code]);
  }
  // A failure quoting a connection URL (database, broker) must not print its password.
  const reason = redactUrlsIn(errorMessage(err));
  log(`${c.req.method} ${c.req.path} failed: ${redactUrlsIn(err instanceof Error && err.stack !== undefined ? err.stack : reason)}`);
  const body: ErrorBody = {
    error: {
      code: 'internal',
      message: `the control plane failed to handle ${c.req.method} ${c.req.path} (${reason}); its log has the details`,
    },
  };
  return c.json(body, 500);
}

export type { ErrorBody };
