/**
 * A target for the probe engine without a process: the CDP commands the engine sends, answered
 * the way V8 answers them (scripts announced on Debugger.enable, then as they load; breakpoints
 * resolved to the line asked, at the column asked or the line's first code, or to none where the
 * target has no code), and a hook channel that
 * records what the engine posts to the main thread. Asked to time a breakpoint calibration, it
 * answers as a main thread whose calls no breakpoint timed (this target runs no code).
 */
import { createHash } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { Action } from '@liveprobe/protocol';
import { Blocklist } from '../../../agent/src/locate/blocklist.js';
import { ProbeEngine } from '../../../agent/src/worker/probe-engine.js';
import type { Calibrated, ToMain } from '../../../agent/src/bridge.js';
import type { CdpTransport, Paused, ScriptParsed } from '../../../agent/src/worker/cdp-transport.js';
import type { StatusReport } from '../../../agent/src/worker/probe-engine.js';

interface Breakpoint {
  url: string;
  line: number;
  condition: string;
  /** Set by `urlRegex` rather than by exact `url`. */
  byRegex: boolean;
}

export class FakeTarget {
  private readonly scripts: (ScriptParsed & { source: string })[] = [];
  /** Breakpoints V8 holds now, by id. */
  readonly breakpoints = new Map<string, Breakpoint>();
  /** Lines (1-based) of a url where V8 finds no code. */
  readonly noCode = new Set<string>();
  /** Whether the before-script instrumentation breakpoint is set. */
  instrumentation = false;
  connects = 0;
  disconnects = 0;
  /** The script ids whose source was read (Debugger.getScriptSource), one entry per read. */
  readonly sourceReads: string[] = [];
  private open: { parsed?: (script: ScriptParsed) => void; paused?: (pause: Paused) => void } | undefined;
  private ids = 0;

  readonly posted: ToMain[] = [];
  readonly statuses: StatusReport[] = [];
  readonly logged: string[] = [];
  /** Where the main thread's answers go: the engine under test. */
  answers: { calibrated(result: Calibrated): void } | undefined;
  readonly hook = {
    postMessage: (message: ToMain) => {
      this.posted.push(message);
      if (message.t === 'calibrate') queueMicrotask(() => this.answers?.calibrated({ t: 'calibrated', overheadMs: undefined }));
    },
  };
  readonly report = (status: StatusReport) => void this.statuses.push(status);
  readonly log = (line: string) => void this.logged.push(line);

  /** A script loads in the target: the open session hears of it. */
  load(path: string, source: string, sourceMapURL?: string): void {
    const script = {
      scriptId: String(this.scripts.length + 1),
      url: `file://${path}`,
      endLine: source.split('\n').length - 1,
      // As V8 reports it: the text's SHA-256, over its UTF-8.
      hash: createHash('sha256').update(source, 'utf8').digest('hex'),
      source,
      ...(sourceMapURL === undefined ? {} : { sourceMapURL }),
    };
    this.scripts.push(script);
    this.open?.parsed?.(script);
  }

  /** The state names of one action's statuses, in order. */
  states(actionId: string): string[] {
    return this.statuses.filter((s) => s.actionId === actionId).map((s) => s.state);
  }

  /** Messages posted to the main thread, by type. */
  messages<T extends ToMain['t']>(t: T): Extract<ToMain, { t: T }>[] {
    return this.posted.filter((m): m is Extract<ToMain, { t: T }> => m.t === t);
  }

  readonly transport = (): CdpTransport => {
    const handlers: { parsed?: (script: ScriptParsed) => void; paused?: (pause: Paused) => void } = {};
    return {
      name: 'fake target',
      connect: async () => {
        this.connects++;
        this.open = handlers;
      },
      disconnect: () => {
        this.disconnects++;
        this.open = undefined;
        // V8 drops every breakpoint of a session that ends.
        this.breakpoints.clear();
        this.instrumentation = false;
      },
      onScriptParsed: (handler) => void (handlers.parsed = handler),
      onPaused: (handler) => void (handlers.paused = handler),
      post: async (method, params) => this.command(method, (params ?? {}) as Record<string, unknown>),
    };
  };

  private command(method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case 'Debugger.enable':
        for (const script of this.scripts) this.open?.parsed?.(script);
        return {};
      case 'Debugger.getScriptSource':
        this.sourceReads.push(String(params.scriptId));
        return { scriptSource: this.scripts.find((s) => s.scriptId === params.scriptId)?.source ?? '' };
      case 'Debugger.setBreakpointByUrl': {
        const breakpointId = `bp${++this.ids}`;
        const url =
          params.url === undefined ? String(params.urlRegex).slice(1).split('$|')[0]!.replace(/\\(.)/g, '$1') : String(params.url);
        const line = (params.lineNumber as number) + 1;
        if (this.noCode.has(`${url}:${line}`)) return { breakpointId, locations: [] };
        this.breakpoints.set(breakpointId, { url, line, condition: String(params.condition), byRegex: params.url === undefined });
        return {
          breakpointId,
          locations: [{ scriptId: '1', lineNumber: line - 1, columnNumber: this.stopColumn(url, line, params.columnNumber) }],
        };
      }
      case 'Debugger.removeBreakpoint':
        if (params.breakpointId === 'instrumentation') this.instrumentation = false;
        this.breakpoints.delete(String(params.breakpointId));
        return {};
      case 'Debugger.setInstrumentationBreakpoint':
        this.instrumentation = true;
        return { breakpointId: 'instrumentation' };
      default:
        return {};
    }
  }

  /** Where V8 would stop on `line` (1-based): at the column asked, else at the line's first code. */
  private stopColumn(url: string, line: number, asked: unknown): number {
    if (typeof asked === 'number') return asked;
    const text = this.scripts.find((s) => s.url === url)?.source.split('\n')[line - 1] ?? '';
    return text.length - text.trimStart().length;
  }

  /** Breakpoint lines V8 holds now, sorted. */
  lines(): number[] {
    return [...this.breakpoints.values()].map((b) => b.line).sort((a, b) => a - b);
  }
}

/** A log action on line 2 of `src/work.mjs`, expiring in an hour; `fields` change any of it. */
export function testAction(id: string, fields: Record<string, unknown> = {}): Action {
  const now = Date.now();
  return {
    id,
    type: 'log',
    file: 'src/work.mjs',
    line: 2,
    template: 'n={n}',
    level: 'info',
    tags: [],
    agents: [],
    maxHits: 10,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 3_600_000).toISOString(),
    ...fields,
  } as Action;
}

/** An engine answering `target`'s hook, nothing blocked, closed after the test. */
export function engineOn(t: TestContext, target: FakeTarget): ProbeEngine {
  const engine = new ProbeEngine(
    target.hook,
    target.report,
    target.log,
    target.transport,
    new Blocklist({ files: [], functions: [], variables: [] }),
  );
  target.answers = engine;
  t.after(() => engine.close());
  return engine;
}
