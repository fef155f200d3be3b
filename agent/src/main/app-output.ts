/**
 * A log action's lines in the app's own output (main thread): its stdout and stderr (the
 * `console` output), or the logger the app made with pino or winston (the `logger` output),
 * noticed as those modules load, the way their OpenTelemetry instrumentations find them.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import type { LogLevel } from '@liveprobe/protocol';
import { appLogger, wantsAppLoggers, watchAppLoggers } from './app-loggers.cjs';
import { isoTime } from '../iso-time.js';

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
  constructor(env: NodeJS.ProcessEnv, warn: (line: string) => void) {
    if (!wantsAppLoggers(env)) return;
    try {
      watchAppLoggers();
    } catch (err) {
      warn(`cannot watch for the app's pino or winston logger (${errorMessage(err)}); the logger output prints to the console`);
    }
  }

  /** `2030-01-01T10:00:00.000Z INFO [liveprobe act_…] src/orders.ts:42 message`, on stderr from warn up. */
  console(level: LogLevel, time: number, message: string, fields: LineFields): void {
    const line = `${isoTime(time)} ${level.toUpperCase()} [liveprobe ${fields['liveprobe.action.id']}] ${fields['code.file.path']}:${fields['code.line.number']} ${message}\n`;
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
