/**
 * The Chrome DevTools Protocol session the engine drives, behind one small interface: the
 * in-process session on the app's main thread (the default), or a remote target reached with
 * chrome-remote-interface (`liveprobe attach`).
 */
import { Session } from 'node:inspector/promises';

export interface ScriptParsed {
  scriptId: string;
  url: string;
  endLine: number;
  sourceMapURL?: string;
  /** The execution context (a page's global object) it was compiled in. */
  executionContextId?: number;
  /** V8's SHA-256 of the script's text (as UTF-8), in hex. */
  hash?: string;
}

/** A pause of the target, as `Debugger.paused` reports it: the parts the agent reads. */
export interface Paused {
  reason: string;
  /** With reason 'instrumentation': the script about to run; with 'exception' or 'promiseRejection': the thrown value. */
  data?: {
    scriptId?: string;
    url?: string /** With 'exception': whether V8 predicts nothing catches it. */;
    uncaught?: boolean;
  } & Partial<ThrownValue>;
  /** With reason 'other': the breakpoints whose condition asked for the pause. */
  hitBreakpoints?: string[];
  /** The paused stack, innermost first. */
  callFrames?: PausedFrame[];
}

/** A CDP RemoteObject for the thrown value: `objectId` when it is an object, `value` when a primitive. */
export interface ThrownValue {
  type: string;
  className: string;
  description: string;
  objectId: string;
  value: unknown;
}

export interface PausedFrame {
  callFrameId: string;
  functionName: string;
  url: string;
  /** 0-based, as CDP sends it. */
  location: { scriptId: string; lineNumber: number; columnNumber?: number };
}

export interface CdpTransport {
  connect(): Promise<void>;
  /** Sends a CDP command; resolves with its result. */
  post(method: string, params?: object): Promise<unknown>;
  onScriptParsed(handler: (script: ScriptParsed) => void): void;
  /**
   * Every pause of the target, whoever caused it. Absent when the transport keeps the target
   * from ever pausing (a remote target skips all pauses): then nothing pauses it for the agent.
   */
  onPaused?(handler: (pause: Paused) => void): void;
  /** Every end of a pause of the target, whoever resumed it; with onPaused. */
  onResumed?(handler: () => void): void;
  /**
   * An execution context went away with its scripts (`undefined`: every one, as when a page
   * navigates or reloads). Absent where contexts outlive the session (the in-process agent).
   */
  onContextGone?(handler: (executionContextId: number | undefined) => void): void;
  /** Ends the session; V8 drops every breakpoint the session set. */
  disconnect(): void;
  /** Which target this session drives, for messages. */
  readonly name: string;
}

/** The agent's own session on the app's main thread, from its worker thread. */
export class MainThreadTransport implements CdpTransport {
  readonly name = 'main thread';
  private readonly session = new Session();

  constructor(private readonly openFlag: Int32Array) {}

  private connected = false;

  /** The flag counts open sessions: the probe engine's and the exception watch's each count once. */
  async connect(): Promise<void> {
    this.session.connectToMainThread();
    this.connected = true;
    Atomics.add(this.openFlag, 0, 1);
  }

  post(method: string, params?: object): Promise<unknown> {
    return (this.session.post as (method: string, params?: object) => Promise<unknown>)(method, params);
  }

  onScriptParsed(handler: (script: ScriptParsed) => void): void {
    this.session.on('Debugger.scriptParsed', ({ params }) => handler(params));
  }

  onPaused(handler: (pause: Paused) => void): void {
    this.session.on('Debugger.paused', ({ params }) =>
      handler({
        reason: params.reason,
        data: params.data as Paused['data'],
        callFrames: params.callFrames as PausedFrame[],
        ...(params.hitBreakpoints === undefined ? {} : { hitBreakpoints: params.hitBreakpoints }),
      }),
    );
  }

  onResumed(handler: () => void): void {
    this.session.on('Debugger.resumed', handler);
  }

  disconnect(): void {
    this.session.disconnect();
    if (!this.connected) return;
    this.connected = false;
    Atomics.sub(this.openFlag, 0, 1);
    Atomics.notify(this.openFlag, 0);
  }
}
