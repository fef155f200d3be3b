import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorBody } from '@liveprobe/protocol';
import { ControlPlaneError, InvalidBodyError, InvalidQueryError } from '../errors.js';

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  invalid_body: 400,
  invalid_json: 400,
  invalid_query: 400,
  not_found: 404,
  // Authentication, roles and input limits (auth/, limits/).
  unauthenticated: 401,
  forbidden: 403,
  too_many_actions: 409,
  payload_too_large: 413,
  rate_limited: 429,
  idp_unavailable: 503,
};

export function errorResponse(c: Context, err: unknown, log: (line: string) => void): Response {
  if (err instanceof ControlPlaneError) {
    const body: ErrorBody = {
      error: {
        code: err.code,
        message: err.message,
        ...(err instanceof InvalidBodyError || err instanceof InvalidQueryError ? { issues: err.issues } : {}),
      },
    };
    return c.json(body, STATUS_BY_CODE[err.code] ?? 500);
  }
  const reason = err instanceof Error ? err.message : String(err);
  log(`${c.req.method} ${c.req.path} failed: ${err instanceof Error && err.stack !== undefined ? err.stack : reason}`);
  const body: ErrorBody = {
    error: {
      code: 'internal',
      message: `the control plane failed to handle ${c.req.method} ${c.req.path} (${reason}); its log has the details`,
    },
  };
  return c.json(body, 500);
}

export type { ErrorBody };
