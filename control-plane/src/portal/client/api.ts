// Browser module: the REST API under /api/v1, with the session's bearer token when one is set.
import type { BodyIssue } from '@liveprobe/protocol';
import { currentToken, showAuthProblem } from './session.js';

/** One problem in a request body, as the API reports it. */
export type Issue = BodyIssue;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: readonly Issue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Headers every API call carries; the live console's stream uses them too. */
export function apiHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = currentToken();
  return { ...extra, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
}

export function apiUrl(path: string, query: Record<string, string | undefined> = {}): string {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') url.searchParams.set(key, value);
  return url.toString();
}

export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  query?: Record<string, string | undefined>,
): Promise<T> {
  const init: RequestInit = { method, headers: apiHeaders(body === undefined ? {} : { 'content-type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response: Response;
  try {
    response = await fetch(apiUrl(path, query), init);
  } catch (err) {
    throw new ApiError(
      0,
      'unreachable',
      `cannot reach the control plane (${err instanceof Error ? err.message : String(err)}); is it still running?`,
    );
  }
  if (response.ok) return (await response.json()) as T;
  const error = await toApiError(response);
  if (response.status === 401 || response.status === 403) showAuthProblem(response.status, error.message);
  throw error;
}

export async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; issues?: Issue[] } };
    return new ApiError(response.status, error.code, error.message, error.issues ?? []);
  } catch {
    return new ApiError(response.status, 'http_error', `the control plane answered ${response.status} ${response.statusText}`);
  }
}
