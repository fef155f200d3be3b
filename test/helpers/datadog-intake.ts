import type { IncomingMessage } from 'node:http';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { ObservedList, loopbackServer } from '@liveprobe/harness';

/** One metric series as the Datadog exporter sent it (/api/v2/series). */
export interface DatadogSeries {
  metric: string;
  /** `key:value` strings, as Datadog stores them. */
  tags: string[];
  /** 1 count, 2 rate, 3 gauge. */
  type: number;
  points: { timestamp: number; value: number }[];
}

/** One distribution (/api/beta/sketches): a histogram in Datadog's sketch form. */
export interface DatadogSketch {
  metric: string;
  tags: string[];
  count: number;
  sum: number;
}

/** One log event (/api/v2/logs), with the attributes the exporter packs into `message` unpacked. */
export interface DatadogLog {
  message: string;
  status: string;
  service: string;
  ddtags: string;
  /** Every other field: the record's attributes and resource, flattened by the exporter. */
  attributes: Record<string, unknown>;
}

export interface DatadogIntake {
  /** Base URL: the value for the exporter's metrics, logs and traces endpoints. */
  readonly url: string;
  series(): DatadogSeries[];
  sketches(): DatadogSketch[];
  logs(): DatadogLog[];
  /** Every request as "METHOD path", in order (host metadata, traces, API key checks…). */
  requests(): string[];
  waitForSeries(predicate: (series: DatadogSeries) => boolean, timeoutMs: number, what?: string): Promise<DatadogSeries>;
  waitForLog(predicate: (log: DatadogLog) => boolean, timeoutMs: number, what?: string): Promise<DatadogLog>;
  /** Waits for a trace payload (/api/v0.2/traces), decompressed but not decoded: strings appear in it as written. */
  waitForTracePayload(predicate: (payload: Buffer) => boolean, timeoutMs: number, what?: string): Promise<Buffer>;
  /** Requests that could not be decoded, as "path: reason". */
  errors(): string[];
  stop(): Promise<void>;
}

// The fields of Datadog's agent payloads that the tests read, with their field numbers.
const schema = protobuf.parse(`
  syntax = "proto3";
  message MetricPayload {
    message MetricPoint { double value = 1; int64 timestamp = 2; }
    message MetricSeries { string metric = 2; repeated string tags = 3; repeated MetricPoint points = 4; int32 type = 5; }
    repeated MetricSeries series = 1;
  }
  message SketchPayload {
    message Sketch {
      message Dogsketch { int64 ts = 1; int64 cnt = 2; double sum = 6; }
      string metric = 1;
      repeated string tags = 4;
      repeated Dogsketch dogsketches = 7;
    }
    repeated Sketch sketches = 1;
  }
`).root;
const MetricPayload = schema.lookupType('MetricPayload');
const SketchPayload = schema.lookupType('SketchPayload');

/**
 * A STAND-IN for Datadog's intake API (the SaaS cannot be reached from here): it answers the API
 * key check and decodes what the collector's Datadog exporter sends — metric series (protobuf),
 * distributions (protobuf sketches), logs (JSON) and trace payloads (kept raw) — in whatever
 * compression it used — and accepts everything else (host metadata, stats) unread. It proves the exporter delivers with
 * the names and tags we expect, not how Datadog's backend processes them.
 */
export async function datadogIntake(): Promise<DatadogIntake> {
  const series = new ObservedList<DatadogSeries>();
  const sketches = new ObservedList<DatadogSketch>();
  const logs = new ObservedList<DatadogLog>();
  const traces = new ObservedList<Buffer>();
  const requests: string[] = [];
  const server = await loopbackServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://intake').pathname;
    requests.push(`${req.method ?? ''} ${path}`);
    const body = decompress(await readBody(req), req.headers['content-encoding']);
    if (path === '/api/v1/validate') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"valid":true}');
      return;
    }
    if (path === '/api/v2/series') for (const s of decodeSeries(body)) series.push(s);
    if (path === '/api/beta/sketches') for (const s of decodeSketches(body)) sketches.push(s);
    if (path === '/api/v2/logs') for (const l of decodeLogs(body)) logs.push(l);
    if (path === '/api/v0.2/traces') traces.push(body);
    res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
  });
  return {
    url: server.url,
    series: () => series.items(),
    sketches: () => sketches.items(),
    logs: () => logs.items(),
    requests: () => [...requests],
    waitForSeries: (predicate, timeoutMs, what = 'a matching Datadog series') => series.waitFor(predicate, timeoutMs, what),
    waitForLog: (predicate, timeoutMs, what = 'a matching Datadog log') => logs.waitFor(predicate, timeoutMs, what),
    waitForTracePayload: (predicate, timeoutMs, what = 'a matching Datadog trace payload') => traces.waitFor(predicate, timeoutMs, what),
    errors: () => server.errors(),
    stop: () => server.close(),
  };
}

function decompress(body: Buffer, encoding: string | undefined): Buffer {
  if (body.length === 0) return body;
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') {
    // HTTP's deflate is zlib-wrapped; some clients send it raw.
    try {
      return inflateSync(body);
    } catch {
      return inflateRawSync(body);
    }
  }
  if (encoding === undefined || encoding === 'identity') return body;
  throw new Error(`unsupported content-encoding ${encoding}`);
}

interface DecodedSeries {
  series?: { metric?: string; tags?: string[]; type?: number; points?: { value?: number; timestamp?: number }[] }[];
}

function decodeSeries(body: Buffer): DatadogSeries[] {
  const payload = MetricPayload.toObject(MetricPayload.decode(body), { longs: Number, defaults: true }) as DecodedSeries;
  return (payload.series ?? []).map((s) => ({
    metric: s.metric ?? '',
    tags: s.tags ?? [],
    type: s.type ?? 0,
    points: (s.points ?? []).map((p) => ({ timestamp: p.timestamp ?? 0, value: p.value ?? 0 })),
  }));
}

interface DecodedSketches {
  sketches?: { metric?: string; tags?: string[]; dogsketches?: { cnt?: number; sum?: number }[] }[];
}

function decodeSketches(body: Buffer): DatadogSketch[] {
  const payload = SketchPayload.toObject(SketchPayload.decode(body), { longs: Number, defaults: true }) as DecodedSketches;
  return (payload.sketches ?? []).map((s) => ({
    metric: s.metric ?? '',
    tags: s.tags ?? [],
    count: (s.dogsketches ?? []).reduce((sum, d) => sum + (d.cnt ?? 0), 0),
    sum: (s.dogsketches ?? []).reduce((sum, d) => sum + (d.sum ?? 0), 0),
  }));
}

function decodeLogs(body: Buffer): DatadogLog[] {
  const text = body.toString('utf8');
  if (text.trim() === '') return [];
  const parsed = JSON.parse(text) as Record<string, unknown>[] | Record<string, unknown>;
  // The exporter checks connectivity with an empty payload (`{}` or `[]`) before sending events.
  if (!Array.isArray(parsed)) {
    if (Object.keys(parsed).length === 0) return [];
    throw new Error(`expected an array of log events, got ${text.slice(0, 300)}`);
  }
  const entries = parsed;
  return entries.map((entry) => {
    const { message, status, service, ddtags, ...rest } = entry;
    let attributes: Record<string, unknown> = rest;
    let text = String(message ?? '');
    // The exporter sends a record's attributes as a JSON object in `message`, with the
    // record's body under `message` inside it.
    if (text.startsWith('{')) {
      const packed = JSON.parse(text) as Record<string, unknown>;
      text = String(packed.message ?? '');
      attributes = { ...rest, ...packed };
      delete attributes.message;
    }
    return { message: text, status: String(status ?? ''), service: String(service ?? ''), ddtags: String(ddtags ?? ''), attributes };
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
