import { errorMessage } from '@liveprobe/protocol/util';
import type { ErrorBody } from '@liveprobe/protocol';
import { ApiError, ControlPlaneUnreachableError, NotControlPlaneError, UsageError } from '../errors.js';

/** The control plane's REST API (docs/api.md), over fetch. */
export class ApiClient {
  readonly baseUrl: string;

  /** `token`: sent as `Authorization: Bearer <token>` on every request (--token, LIVEPROBE_TOKEN). */
  constructor(
    server: string,
    private readonly token?: string,
  ) {
    if (!URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol)) {
      throw new UsageError(`--server "${server}" is not an http(s) URL; e.g. http://127.0.0.1:8080`);
    }
    this.baseUrl = server.replace(/\/+$/, '');
  }

  /** `/actions` → `<server>/api/v1/actions`; a server URL with a path (behind a proxy) keeps it. */
  url(path: string, query: Record<string, string | undefined> = {}): string {
    const url = new URL(`${this.baseUrl}/api/v1${path}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    return url.toString();
  }

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    return this.json<T>('GET', path, undefined, query);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.json<T>('DELETE', path);
  }

  /** Opens a streaming request; the caller reads the body. */
  async open(path: string, query: Record<string, string | undefined>, signal: AbortSignal): Promise<Response> {
    const response = await this.fetch(this.url(path, query), { headers: this.headers({ accept: 'text/event-stream' }), signal });
    if (!response.ok) throw await apiError(response);
    return response;
  }

  private async json<T>(method: string, path: string, body?: unknown, query: Record<string, string | undefined> = {}): Promise<T> {
    const init: RequestInit = { method, headers: this.headers({}) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = this.headers({ 'content-type': 'application/json' });
    }
    const response = await this.fetch(this.url(path, query), init);
    if (!response.ok) throw await apiError(response);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new NotControlPlaneError(
        this.baseUrl,
        `${method} ${new URL(response.url).pathname}`,
        response.headers.get('content-type'),
        text,
      );
    }
  }

  private headers(headers: Record<string, string>): Record<string, string> {
    return this.token === undefined || this.token === '' ? headers : { ...headers, authorization: `Bearer ${this.token}` };
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (err) {
      if (init.signal?.aborted === true) throw err;
      throw new ControlPlaneUnreachableError(this.baseUrl, failureReason(err));
    }
  }
}

/** fetch hides the socket error in `cause`: ECONNREFUSED and friends say it best, undici's own codes less so. */
export function failureReason(err: unknown): string {
  if (err instanceof ControlPlaneUnreachableError) return err.reason;
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && /^E[A-Z]+$/.test(code) ? code : cause.message;
  }
  return errorMessage(err);
}

async function apiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as ErrorBody;
    return new ApiError(response.status, error.code, error.message, error.issues);
  } catch {
    return new ApiError(
      response.status,
      'http_error',
      `the control plane answered ${response.status} ${response.statusText}: ${text.slice(0, 200)}`,
    );
  }
}
