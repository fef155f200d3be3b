// The app's own logger, for the `logger` output of log actions: the first logger the app makes
// with `pino()` or `winston.createLogger()`, noticed as those modules load (require-in-the-middle,
// as their OpenTelemetry instrumentations do). CommonJS, so `--require` can watch before the
// app's first `require`, while the rest of the agent still loads.
import type { LogLevel } from '@liveprobe/protocol';

type Pino = Record<LogLevel, (fields: object, message: string) => void>;
type Winston = { log(level: string, message: string, fields: object): void };
export type AppLogger = { kind: 'pino'; logger: Pino } | { kind: 'winston'; logger: Winston };
type PinoFactory = ((...args: unknown[]) => unknown) & { pino?: unknown; default?: unknown };

const LOGGER = Symbol.for('liveprobe.appLogger');
const WATCHING = Symbol.for('liveprobe.watchingLoggers');
const slots = globalThis as unknown as Record<symbol, unknown>;

export function appLogger(): AppLogger | undefined {
  return slots[LOGGER] as AppLogger | undefined;
}

export { wantsAppLoggers } from '../settings/app-logger-setting.cjs';

/** Idempotent: `--require` and `--import` of the agent both call it. Throws when the hook cannot be set. */
export function watchAppLoggers(): void {
  if (slots[WATCHING] === true) return;
  slots[WATCHING] = true;
  const { Hook } = require('require-in-the-middle') as typeof import('require-in-the-middle');
  new Hook(['pino', 'winston'], (exports, name) => {
    if (name === 'pino' && typeof exports === 'function') return wrapPino(exports as unknown as PinoFactory) as typeof exports;
    if (name === 'winston') wrapWinston(exports as { createLogger?: unknown });
    return exports;
  });
}

function remember(logger: AppLogger): void {
  slots[LOGGER] ??= logger;
}

function wrapPino(pino: PinoFactory): PinoFactory {
  const wrapped: PinoFactory = Object.assign(function (this: unknown, ...args: unknown[]) {
    const logger = pino.apply(this, args);
    remember({ kind: 'pino', logger: logger as Pino });
    return logger;
  }, pino);
  // pino exports itself as `pino` and `default` too.
  if (typeof wrapped.pino === 'function') wrapped.pino = wrapped;
  if (typeof wrapped.default === 'function') wrapped.default = wrapped;
  return wrapped;
}

function wrapWinston(winston: { createLogger?: unknown }): void {
  const createLogger = winston.createLogger;
  if (typeof createLogger !== 'function') return;
  winston.createLogger = function (this: unknown, ...args: unknown[]) {
    const logger = createLogger.apply(this, args);
    remember({ kind: 'winston', logger: logger as Winston });
    return logger;
  };
}
