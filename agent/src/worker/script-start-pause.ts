/**
 * The worker hears of a new script only once the main thread is already running it, so code
 * that runs as a script loads (a job's top-level lines, a module imported lazily) would run
 * before a waiting action's breakpoint exists. While some action waits for its script, V8 pauses
 * the main thread before each new script runs (an instrumentation breakpoint); the worker places
 * what the script matches, then resumes.
 *
 * V8 holds such a pause until the session whose breakpoint it was resumes, whatever other
 * debuggers in the process do (one that resumes every pause does not release it), so every one
 * is resumed here, bounded by HOLD_MS. It fires for ES modules and other scripts, not for
 * CommonJS modules: Node compiles those as functions, which V8 does not pause before
 * (nodejs/node#31138), nor for `vm.compileFunction`'s functions (jest's modules). For those, the
 * agent's CommonJS loader, told by `pausing`, runs a gate script of its own once a module or
 * function is compiled and before it runs: the pause before it places what waits for the module,
 * whose script V8 has reported by then.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import { COMMONJS_GATE_URL } from '../bridge.js';
import type { Paused } from './cdp-transport.js';
import type { InspectorSession } from './inspector-session.js';

/** The longest the main thread stays paused for one script, whatever the worker is doing. */
const HOLD_MS = 2000;

/** What of the agent's inspector session this needs. */
export type PausingSession = Pick<InspectorSession, 'canPause' | 'pauseBeforeScripts' | 'stopPausingBeforeScripts' | 'resume'>;

export class ScriptStartPause {
  private breakpointId: string | undefined;

  constructor(
    private readonly session: PausingSession,
    /** Settles once every waiting action the script matches is placed (or found not to match). */
    private readonly place: (scriptId: string) => Promise<void>,
    private readonly log: (line: string) => void,
    /** Told when the breakpoint is set and when it is gone. */
    private readonly pausing: (on: boolean) => void = () => {},
    /** The URL of the script V8 reported last: the CommonJS module a gate pause is for. */
    private readonly lastScript: () => string | undefined = () => undefined,
  ) {}

  /** Sets or removes the breakpoint: on exactly while some action waits for its script (or for another copy of it, late-copies.ts). */
  async update(waiting: boolean): Promise<void> {
    if (waiting && this.breakpointId === undefined && this.session.canPause) {
      this.breakpointId = await this.session.pauseBeforeScripts();
      this.pausing(true);
    } else if (!waiting && this.breakpointId !== undefined) {
      const id = this.breakpointId;
      this.breakpointId = undefined;
      this.pausing(false);
      await this.session.stopPausingBeforeScripts(id);
    }
  }

  /** The session closed, and V8 dropped the breakpoint with it. */
  dropped(): void {
    this.breakpointId = undefined;
    this.pausing(false);
  }

  /** Every pause of the main thread; any other than ours is left to whoever caused it. True: this one is ours to read and end. */
  paused(pause: Paused): boolean {
    // V8 says 'instrumentation' only to the session whose breakpoint caused the pause, and holds
    // the pause until that session resumes, even if the breakpoint was removed meanwhile.
    if (pause.reason !== 'instrumentation') return false;
    const url = pause.data?.url;
    void this.release(pause, url === COMMONJS_GATE_URL ? (this.lastScript() ?? 'a CommonJS module') : url);
    return true;
  }

  private async release(pause: Paused, url: string | undefined): Promise<void> {
    const scriptId = pause.data?.scriptId;
    const script = url || 'a new script';
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<true>((resolve) => (timer = setTimeout(resolve, HOLD_MS, true)));
    try {
      const placed = scriptId === undefined ? Promise.resolve(false) : this.place(scriptId).then(() => false as const);
      if (await Promise.race([placed, outOfTime])) {
        this.log(
          `the app went on after ${HOLD_MS} ms paused before ${script} ran, the agent still busy: an action waiting for it installs late and may miss what runs as it loads`,
        );
      }
    } catch (err) {
      this.log(`could not place the actions waiting for ${script}: ${message(err)}`);
    } finally {
      clearTimeout(timer);
      await this.session.resume(pause).catch((err: unknown) => this.log(`could not resume the app before ${script} ran: ${message(err)}`));
    }
  }
}

function message(err: unknown): string {
  return errorMessage(err);
}
