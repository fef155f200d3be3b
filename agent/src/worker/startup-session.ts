/**
 * LIVEPROBE_INSPECTOR_SESSION=startup: the agent's inspector session, opened on the worker's
 * first turn, before the app's first module loads (the main thread waits for it, agent-main.ts),
 * and kept open. Installing or removing an action then never enables the debugger with every
 * loaded script to report, a pause of the main thread that grows with them (docs/BENCHMARKS.md).
 * Scripts V8 reports before the probe engine takes the session are kept for it.
 */
import { type CdpTransport, MainThreadTransport, type Paused, type ScriptParsed } from './cdp-transport.js';
import { DEBUGGER_ENABLE } from './debugger-enable.js';

let opened: StartupSession | undefined;

export class StartupSession implements CdpTransport {
  readonly name = 'main thread';
  private readonly early: ScriptParsed[] = [];
  private handler: ((script: ScriptParsed) => void) | undefined;

  private constructor(private readonly inner: MainThreadTransport) {}

  /** Opens the session and says so on `ready`, whatever happens: the main thread waits on it. */
  static async open(openFlag: Int32Array, ready: Int32Array): Promise<void> {
    // A pending inspector command does not keep a worker's event loop alive: the worker would end
    // here, before anything else keeps it running.
    const alive = setInterval(() => undefined, 60_000);
    try {
      const inner = new MainThreadTransport(openFlag);
      const session = new StartupSession(inner);
      await inner.connect();
      // Only scripts with a URL can be a file an action names.
      inner.onScriptParsed((script) =>
        session.handler === undefined ? script.url !== '' && session.early.push(script) : session.handler(script),
      );
      await inner.post('Debugger.enable', DEBUGGER_ENABLE);
      await inner.post('Debugger.setSkipAllPauses', { skip: true });
      opened = session;
    } finally {
      clearInterval(alive);
      Atomics.store(ready, 0, 1);
      Atomics.notify(ready, 0);
    }
  }

  /** The open session, once: the probe engine's; undefined if it did not open. */
  static take(): StartupSession | undefined {
    const session = opened;
    opened = undefined;
    return session;
  }

  /** Already connected, before the app's first module. */
  async connect(): Promise<void> {}

  post(method: string, params?: object): Promise<unknown> {
    return this.inner.post(method, params);
  }

  onScriptParsed(handler: (script: ScriptParsed) => void): void {
    this.handler = handler;
    for (const script of this.early.splice(0)) handler(script);
  }

  onPaused(handler: (pause: Paused) => void): void {
    this.inner.onPaused(handler);
  }

  onResumed(handler: () => void): void {
    this.inner.onResumed(handler);
  }

  disconnect(): void {
    this.inner.disconnect();
  }
}
