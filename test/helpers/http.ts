export interface HttpResult {
  status: number;
  /** Parsed JSON when the response says it is JSON, text otherwise. */
  body: unknown;
}

/** A request to an app under test; an object body is sent as JSON. */
export async function http(url: string, options: { method?: string; body?: unknown } = {}): Promise<HttpResult> {
  const init: RequestInit = { method: options.method ?? (options.body === undefined ? 'GET' : 'POST') };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await fetch(url, init);
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('json') === true && text !== '';
  return { status: response.status, body: isJson ? JSON.parse(text) : text };
}
