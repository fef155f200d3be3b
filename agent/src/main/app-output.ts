/**
 * A log action's lines in the app's own output (main thread): its stdout and stderr (the
 * `console` output), or the logger the app made with pino or winston (the `logger` output),
 * noticed as those modules load, the way their OpenTelemetry instrumentations find them.
 */
import type { LogLevel, LogOutput } from '@liveprobe/protocol';
import { appLogger, watchAppLoggers } from './app-loggers.cjs';

export const DEFAULT_LOG_OUTPUTS: readonly LogOutput[] = ['otel', 'live'];
const ALL_OUTPUTS: readonly string[] = ['otel', 'live', 'console', 'logger'];
const TO_STDERR = new Set<LogLevel>(['warn', 'error', 'fatal']);
/** winston's default (npm) levels have no trace or fatal. */
const WINSTON_LEVEL: Record<LogLevel, string> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
};

/** What a line carries besides its message, in the app's logger. */
export interface LineFields {
  'liveprobe.action.id': string;
  'code.file.path': string;
  'code.line.number': number;
  'code.function.name'?: string;
}

export class AppOutput {
  readonly defaults: readonly LogOutput[];
  constructor(env: NodeJS.ProcessEnv, warn: (line: string) => void) {
    this.defaults = parseOutputs(env.LIVEPROBE_LOG_OUTPUTS, warn);
    if (env.LIVEPROBE_APP_LOGGER?.trim() === 'off') return;
    try {
      watchAppLoggers();
    } catch (err) {
      warn(
        `cannot watch for the app's pino or winston logger (${err instanceof Error ? err.message : String(err)}); the logger output prints to the console`,
      );
    }
  }

  /** `2030-01-01T10:00:00.000Z INFO [liveprobe act_…] src/orders.ts:42 message`, on stderr from warn up. */
  console(level: LogLevel, time: number, message: string, fields: LineFields): void {
    const line = `${new Date(time).toISOString()} ${level.toUpperCase()} [liveprobe ${fields['liveprobe.action.id']}] ${fields['code.file.path']}:${fields['code.line.number']} ${message}\n`;
    (TO_STDERR.has(level) ? process.stderr : process.stdout).write(line);
  }

  /** Through the app's logger; false when the app made none (the caller prints to its console instead). */
  logger(level: LogLevel, message: string, fields: LineFields): boolean {
    const app = appLogger();
    if (app === undefined) return false;
    if (app.kind === 'pino') app.logger[level](fields, message);
    else app.logger.log(WINSTON_LEVEL[level], message, fields);
    return true;
  }
}

/** `otel,live,console`; an unknown name is said once on stderr and the default used. */
export function parseOutputs(text: string | undefined, warn: (line: string) => void): readonly LogOutput[] {
  if (text === undefined || text.trim() === '') return DEFAULT_LOG_OUTPUTS;
  const names = [...new Set(text.split(',').map((name) => name.trim()))].filter((name) => name !== '');
  const unknown = names.filter((name) => !ALL_OUTPUTS.includes(name));
  if (unknown.length > 0 || names.length === 0) {
    warn(`LIVEPROBE_LOG_OUTPUTS=${text}: ${unknown.join(', ') || 'nothing'} is not one of otel, live, console, logger; using otel,live`);
    return DEFAULT_LOG_OUTPUTS;
  }
  return names as LogOutput[];
}
