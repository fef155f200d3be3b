import { createHash } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Store } from '../store/store.js';
import { PayloadTooLargeError, RateLimitedError, TooManyActionsError } from './limit-errors.js';
import { TokenBuckets } from './token-bucket.js';

export interface LimitOptions {
  /** Largest request body accepted. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Sustained API requests per second per caller (token, else address). Default 20. */
  requestsPerSecond?: number;
  /** Requests a caller may make at once before the rate applies. Default 100. */
  burst?: number;
  /** Live actions one tag or one agent id may have. Default 100. */
  maxActionsPerTarget?: number;
  /** Embedded broker: largest MQTT packet a client may send before it logged in. Default 64 KiB. */
  mqttMaxPacketBytesBeforeLogin?: number;
  /** Embedded broker: largest MQTT packet after login (a snapshot, a desired state). Default 4 MiB. */
  mqttMaxPacketBytes?: number;
  /** Embedded broker: connections not logged in yet; more are closed at once. Default 100. */
  mqttMaxUnauthenticated?: number;
  /** Embedded broker: how long a new connection may take to send its CONNECT. Default 10 s. */
  mqttConnectTimeoutMs?: number;
}

export type ResolvedLimits = Required<LimitOptions>;

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxBodyBytes: 64 * 1024,
  requestsPerSecond: 20,
  burst: 100,
  maxActionsPerTarget: 100,
  // A CONNECT is a client id, a token and a Last Will: a few hundred bytes.
  mqttMaxPacketBytesBeforeLogin: 64 * 1024,
  // Desired state: at most maxActionsPerTarget actions of a few KiB each; a snapshot: LIVEPROBE_CAPTURE_BYTES (16 KiB) of values.
  mqttMaxPacketBytes: 4 * 1024 * 1024,
  mqttMaxUnauthenticated: 100,
  mqttConnectTimeoutMs: 10_000,
};

/** Body size first (before anything reads the body), then the caller's rate. */
export function requestLimits(limits: ResolvedLimits): MiddlewareHandler[] {
  const buckets = new TokenBuckets(limits.requestsPerSecond, limits.burst);
  // A client inventing a new credential per request would get a fresh bucket each time; its address does not.
  const addresses = new TokenBuckets(limits.requestsPerSecond * ADDRESS_FACTOR, limits.burst * ADDRESS_FACTOR);
  return [
    bodyLimit({
      maxSize: limits.maxBodyBytes,
      onError: (c) => {
        // The unread rest of the body is still on its way: this connection cannot carry another request.
        c.header('Connection', 'close');
        throw new PayloadTooLargeError(limits.maxBodyBytes);
      },
    }),
    async (c, next) => {
      const address = addresses.take(peerAddress(c));
      const taken = address.ok ? buckets.take(callerKey(c)) : address;
      if (!taken.ok) {
        const seconds = Math.max(1, Math.ceil(taken.retryAfterMs / 1000));
        c.header('Retry-After', String(seconds));
        throw new RateLimitedError(seconds, limits.requestsPerSecond, limits.burst);
      }
      return next();
    },
  ];
}

/**
 * `POST /actions` may not take a tag or agent id past `max` live actions. Checked before the
 * action is created, outside the change lock, so concurrent creates can overshoot by a few:
 * the limit bounds abuse, not exact counts.
 */
export function actionsPerTarget(store: Store, max: number): MiddlewareHandler {
  return async (c, next) => {
    let body: { tags?: unknown; agents?: unknown };
    try {
      body = JSON.parse(await c.req.text()) as typeof body;
    } catch {
      return next(); // the route explains bad JSON
    }
    const wanted = [...strings(body?.tags).map((t) => `tag:${t}`), ...strings(body?.agents).map((a) => `agent:${a}`)];
    const full = await fullTarget(store, wanted, max);
    if (full !== undefined) throw new TooManyActionsError(full.replace(':', ' '), max);
    return next();
  };
}

/**
 * `PATCH /actions/{id}` that would put an action back in the desired set (`enabled: true`, or a
 * new expiry for an expired one) counts against the same limit as a create.
 */
export function revivalPerTarget(store: Store, max: number): MiddlewareHandler {
  return async (c, next) => {
    let body: { enabled?: unknown; expiresIn?: unknown };
    try {
      body = JSON.parse(await c.req.text()) as typeof body;
    } catch {
      return next();
    }
    if (body?.enabled !== true && body?.expiresIn === undefined) return next();
    const action = await store.getAction(c.req.param('id') ?? '');
    if (action === undefined) return next(); // the route says 404
    const wanted = [...action.tags.map((t) => `tag:${t}`), ...action.agents.map((a) => `agent:${a}`)];
    const full = await fullTarget(store, wanted, max, action.id);
    if (full !== undefined) throw new TooManyActionsError(full.replace(':', ' '), max);
    return next();
  };
}

/** The first of `wanted` (`tag:x`, `agent:y`) that already has `max` live actions, not counting `except`. */
async function fullTarget(store: Store, wanted: readonly string[], max: number, except?: string): Promise<string | undefined> {
  if (wanted.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const action of await store.liveActions()) {
    if (action.id === except) continue;
    for (const target of [...action.tags.map((t) => `tag:${t}`), ...action.agents.map((a) => `agent:${a}`)])
      counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  return wanted.find((target) => (counts.get(target) ?? 0) >= max);
}

/** One address may make this many times a single caller's requests (several tokens behind one NAT). */
const ADDRESS_FACTOR = 5;

/** A bearer credential (hashed: keys live in memory) or else the peer address. */
function callerKey(c: Context): string {
  const authorization = c.req.header('authorization');
  if (authorization !== undefined && authorization !== '') return `cred:${createHash('sha256').update(authorization).digest('base64url')}`;
  return `addr:${peerAddress(c)}`;
}

function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'in-process';
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
