/** `liveprobe exception add`: capture the throw site of errors the app does not catch, at no chosen line. */
import { defined } from '@liveprobe/protocol/util';
import type { Command } from 'commander';
import { collect, parseWholeNumber } from '../arguments.js';
import type { Context } from '../context.js';
import { createAction, NO_WAIT_HELP, targetFields, type TargetOptions } from './target-options.js';

interface ExceptionAddOptions extends Omit<TargetOptions, 'condition' | 'lineText'> {
  type?: string;
  message?: string;
  rate?: number;
  file?: string[];
  frames?: number;
}

export function registerException(program: Command, ctx: Context): void {
  const exception = program
    .command('exception')
    .description(
      'exception actions: capture the variables where an error was thrown that the app does not catch or that reaches its error handler, without choosing a line',
    );
  exception
    .command('add')
    .description(
      'add an exception action; each uncaught error, unhandled rejection or error reaching the error handling of Express, Koa, Fastify, hapi, NestJS, Hono, h3 (Nitro, Nuxt), SvelteKit, React Router, Astro, Next.js, graphql-js, BullMQ or a socket.io middleware (in Python: Flask, Django, Starlette/FastAPI, aiohttp, Tornado, Sanic, Litestar, Quart, Falcon, Bottle, Pyramid, http.server) captures its throw site like a snapshot',
    )
    .option('--tag <tag>', 'apply to agents started with this tag (repeatable)', collect)
    .option('--agent <id>', 'apply to this agent id (repeatable)', collect)
    .option('--type <name>', 'only errors of this class or a subclass of it, e.g. TypeError')
    .option('--message <regex>', 'only errors whose message matches this regular expression, e.g. "timeout|ECONNRESET"')
    .option('--file <glob>', 'only errors thrown in a file matching this glob, e.g. "src/**" (repeatable; source-mapped paths)', collect)
    .option('--frames <n>', 'capture the values of this many frames, from the throw site outwards (default 2, at most 8)', parseWholeNumber)
    .option('--rate <n>', 'at most this many snapshots a minute for each distinct stack (default 3)', parseWholeNumber)
    .option('--max-hits <n>', 'stop after this many snapshots (default 100)', parseWholeNumber)
    .option('--expires <duration>', 'remove the action after this long, e.g. 30m, 2h (default 1h, at most 7d)')
    .option('--json', 'print the response body as JSON')
    .option('--no-wait', NO_WAIT_HELP)
    .action(async (options: ExceptionAddOptions, command: Command) => {
      await createAction(
        ctx,
        command,
        {
          type: 'exception',
          ...targetFields(options),
          ...defined({
            errorType: options.type,
            messagePattern: options.message,
            ratePerMinute: options.rate,
            files: options.file,
            frames: options.frames,
          }),
        },
        options,
        (id) => `list its snapshots with: liveprobe snapshots --action ${id}`,
      );
    });
}
