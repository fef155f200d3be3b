/**
 * liveprobe as a Debug Adapter Protocol server. Breakpoints become actions on the control plane
 * (see breakpoints.ts); live output arrives as `output` events and each snapshot as a `stopped`
 * event on a thread of its own whose stack and variables are the captured ones. Nothing is ever
 * paused, so stepping is refused. With `snapshot` in the launch arguments the session only shows
 * that one snapshot (how the editor plugin opens snapshots).
 */
import { defined, errorMessage } from '@liveprobe/protocol/util';
import {
  Breakpoint,
  BreakpointEvent,
  DebugSession,
  InitializedEvent,
  OutputEvent,
  Source,
  StoppedEvent,
  TerminatedEvent,
  ThreadEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { EventSourceMessage } from 'eventsource-parser';
import type { SnapshotRecord } from '@liveprobe/protocol';
import { ApiClient } from '../api/client.js';
import { followEvents } from '../api/follow-events.js';
import { CliError } from '../errors.js';
import { Breakpoints, type Tracked } from './breakpoints.js';
import { NotCaptured, SnapshotView } from './snapshot-view.js';
import type { PathMapping } from './paths.js';
import { SessionTarget } from './session-target.js';

/** What `launch` and `attach` take (editors pass them from their debug configuration). */
export interface LiveprobeLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  server?: string;
  token?: string;
  tags?: string[];
  agents?: string[];
  /** The local project folder: files are named relative to it, as agents match them. */
  root?: string;
  /** Local folder → deployed path, where they differ. */
  pathMap?: Record<string, string>;
  expiresIn?: string;
  /** Show this one snapshot, read-only, and set no actions. */
  snapshot?: string;
}

export interface SessionDefaults {
  server: string;
  token?: string;
  tags?: string[];
  agents?: string[];
  root?: string;
  pathMap?: Record<string, string>;
}

export class LiveprobeDebugSession extends DebugSession {
  #config: LiveprobeLaunchArguments = {};
  #api: ApiClient | undefined;
  #breakpoints: Breakpoints | undefined;
  #view: SnapshotView = new SnapshotView({});
  readonly #stop = new AbortController();
  /** In snapshot mode: shown once the client has finished configuring. */
  #pending: SnapshotRecord | undefined;
  #target: SessionTarget | undefined;

  constructor(private readonly defaults: SessionDefaults) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsEvaluateForHovers: true,
      supportsTerminateRequest: true,
    };
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LiveprobeLaunchArguments): Promise<void> {
    await this.begin(response, args);
  }

  protected override async attachRequest(response: DebugProtocol.AttachResponse, args: LiveprobeLaunchArguments): Promise<void> {
    await this.begin(response, args);
  }

  private async begin(response: DebugProtocol.Response, given: LiveprobeLaunchArguments | undefined): Promise<void> {
    // A client sends no `arguments` at all for an empty configuration.
    const args = given ?? {};
    const d = this.defaults;
    this.#config = {
      ...args,
      server: args.server ?? d.server,
      token: args.token ?? d.token,
      tags: args.tags ?? d.tags,
      agents: args.agents ?? d.agents,
      root: args.root ?? d.root,
    };
    const mapping: PathMapping = {
      ...(this.#config.root === undefined ? {} : { root: this.#config.root }),
      ...((args.pathMap ?? d.pathMap) === undefined ? {} : { map: args.pathMap ?? d.pathMap }),
    };
    this.#view = new SnapshotView(mapping);
    try {
      const api = new ApiClient(this.#config.server ?? d.server, this.#config.token);
      this.#api = api;
      this.#target = new SessionTarget(api, this.#config, (text) => this.log(text));
      if (args.snapshot !== undefined) {
        this.#pending = await api.get<SnapshotRecord>(`/snapshots/${encodeURIComponent(args.snapshot)}`);
      } else {
        this.#breakpoints = new Breakpoints(
          api,
          () => (this.#target as SessionTarget).resolve(),
          mapping,
          (bp) => this.sendEvent(new BreakpointEvent('changed', this.toBreakpoint(bp))),
        );
        await this.subscribe(api);
      }
    } catch (err) {
      return this.sendErrorResponse(response, { id: 1, format: messageOf(err), showUser: true });
    }
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  /** Resolves once the event stream is open, so no output of a new action can be missed. */
  private subscribe(api: ApiClient): Promise<void> {
    return new Promise((resolve, reject) => {
      followEvents(
        api,
        {
          onEvent: (message) => this.onEvent(message),
          onConnected: (again) => (again ? this.log(`liveprobe: reconnected to ${api.baseUrl}\n`) : resolve()),
          onLost: (reason, retryMs) =>
            this.log(`liveprobe: lost the control plane at ${api.baseUrl} (${reason}); retrying in ${retryMs / 1000}s\n`),
        },
        this.#stop.signal,
        { failFirst: true },
      ).catch(reject);
    });
  }

  private onEvent(message: EventSourceMessage): void {
    let event: LiveEventData;
    try {
      event = JSON.parse(message.data) as LiveEventData;
    } catch {
      return; // Not an event of ours; the stream goes on.
    }
    const bp = event.actionId === undefined ? undefined : this.#breakpoints?.forAction(event.actionId);
    if (bp === undefined) return;
    if (event.kind === 'action_status') void this.#breakpoints?.refresh(event.actionId as string);
    else if (event.kind === 'output')
      this.output(
        `[${event.agentId}] ${event.message ?? ''}\n`,
        bp,
        event.level === 'error' || event.level === 'fatal' ? 'stderr' : 'stdout',
      );
    else if (event.kind === 'dropped')
      this.output(`[${event.agentId}] ${event.count ?? 0} lines dropped (${event.reason ?? ''})\n`, bp, 'console');
    else if (event.kind === 'snapshot' && event.id !== undefined) void this.fetchSnapshot(event.id, bp);
  }

  private async fetchSnapshot(id: string, bp: Tracked): Promise<void> {
    try {
      this.showSnapshot(await (this.#api as ApiClient).get<SnapshotRecord>(`/snapshots/${encodeURIComponent(id)}`), bp);
    } catch (err) {
      this.log(`liveprobe: cannot read snapshot ${id}: ${messageOf(err)}\n`);
    }
  }

  private showSnapshot(record: SnapshotRecord, bp?: Tracked): void {
    const threadId = this.#view.add(record);
    this.sendEvent(new ThreadEvent('started', threadId));
    const stopped = new StoppedEvent('breakpoint', threadId, `snapshot ${record.id} from ${record.agentId}`) as DebugProtocol.StoppedEvent;
    // Editors show the description where they would say "Paused on breakpoint": the app never paused.
    stopped.body.description = 'Snapshot, app not paused';
    stopped.body.allThreadsStopped = false;
    stopped.body.preserveFocusHint = false;
    if (bp !== undefined) stopped.body.hitBreakpointIds = [bp.id];
    this.sendEvent(stopped);
  }

  protected override async setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): Promise<void> {
    const path = args.source.path;
    if (this.#breakpoints === undefined || path === undefined) {
      response.body = {
        breakpoints: (args.breakpoints ?? []).map((bp) => ({
          verified: false,
          line: bp.line,
          message: 'this session shows one snapshot; it sets no actions',
        })),
      };
      return this.sendResponse(response);
    }
    const wanted = (args.breakpoints ?? []).map((bp) => ({ ...bp, line: this.convertClientLineToDebugger(bp.line) }));
    try {
      const tracked = await this.#breakpoints.set(this.convertClientPathToDebugger(path), wanted);
      response.body = { breakpoints: tracked.map((bp) => this.toBreakpoint(bp)) };
      this.sendResponse(response);
    } catch (err) {
      this.sendErrorResponse(response, { id: 2, format: messageOf(err), showUser: true });
    }
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    if (this.#pending !== undefined) this.showSnapshot(this.#pending);
    this.#pending = undefined;
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: this.#view.threads() };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const frames = this.#view.stackTrace(args.threadId);
    for (const frame of frames) {
      frame.line = this.convertDebuggerLineToClient(frame.line);
      frame.column = this.convertDebuggerColumnToClient(frame.column);
    }
    response.body = { stackFrames: frames, totalFrames: frames.length };
    this.sendResponse(response);
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    response.body = { scopes: this.#view.scopes(args.frameId) };
    this.sendResponse(response);
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    response.body = { variables: this.#view.variables(args.variablesReference) };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    try {
      const v = this.#view.evaluate(args.expression, args.frameId);
      response.body = { result: v.value, variablesReference: v.variablesReference, ...defined({ type: v.type }) };
      this.sendResponse(response);
    } catch (err) {
      if (!(err instanceof NotCaptured)) throw err;
      this.sendErrorResponse(response, { id: 3, format: err.message, showUser: false });
    }
  }

  /** "Continue" dismisses a snapshot: the app never stopped. */
  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    this.#view.remove(args.threadId);
    response.body = { allThreadsContinued: false };
    this.sendResponse(response);
    this.sendEvent(new ThreadEvent('exited', args.threadId));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse): void {
    this.refuseStepping(response);
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.refuseStepping(response);
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.refuseStepping(response);
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.sendErrorResponse(response, {
      id: 4,
      format: 'liveprobe never pauses the app; add a breakpoint to take a snapshot',
      showUser: true,
    });
  }

  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    await this.end();
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override async disconnectRequest(response: DebugProtocol.DisconnectResponse): Promise<void> {
    await this.end();
    this.sendResponse(response);
    super.shutdown();
  }

  /** The editor went away without a disconnect (stdin closed): still remove the session's actions. */
  override shutdown(): void {
    void this.end().finally(() => super.shutdown());
  }

  /** The session's actions go with it: a breakpoint left behind would keep probing production. */
  private async end(): Promise<void> {
    this.#stop.abort();
    await this.#breakpoints?.clear();
  }

  private refuseStepping(response: DebugProtocol.Response): void {
    this.sendErrorResponse(response, {
      id: 5,
      format: 'a snapshot is a copy of values taken without pausing; there is nothing to step',
      showUser: true,
    });
  }

  private toBreakpoint(bp: Tracked): DebugProtocol.Breakpoint {
    const out = new Breakpoint(
      bp.verified,
      this.convertDebuggerLineToClient(bp.line),
      undefined,
      new Source(bp.localPath.split(/[\\/]/).at(-1) ?? bp.localPath, this.convertDebuggerPathToClient(bp.localPath)),
    ) as DebugProtocol.Breakpoint;
    out.id = bp.id;
    out.message = bp.message;
    return out;
  }

  private output(text: string, bp: Tracked, category: string): void {
    const event = new OutputEvent(text, category) as DebugProtocol.OutputEvent;
    event.body.source = new Source(bp.localPath.split(/[\\/]/).at(-1) ?? bp.localPath, this.convertDebuggerPathToClient(bp.localPath));
    event.body.line = this.convertDebuggerLineToClient(bp.line);
    this.sendEvent(event);
  }

  private log(text: string): void {
    this.sendEvent(new OutputEvent(text, 'console'));
  }
}

/** The fields of a live event this session reads (docs/api.md#live-events). */
interface LiveEventData {
  kind: string;
  actionId?: string;
  agentId: string;
  id?: string;
  message?: string;
  level?: string;
  count?: number;
  reason?: string;
}

function messageOf(err: unknown): string {
  if (err instanceof CliError) return err.lines().join('; ');
  return errorMessage(err);
}
