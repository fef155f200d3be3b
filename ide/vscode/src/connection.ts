/**
 * The link to the control plane: the server URL from the settings, the token from the editor's
 * secret storage, the live event stream (reconnecting with backoff), and the agents online. Its
 * state drives the status bar; a refused token stops everything until the user signs in again.
 */
import { errorMessage } from '@liveprobe/protocol/util';
import * as vscode from 'vscode';
import type { EventSourceMessage } from 'eventsource-parser';
import type { AgentList, AgentView } from '@liveprobe/protocol';
import { ApiClient } from 'liveprobe/dist/api/client.js';
import { followEvents, sleep } from 'liveprobe/dist/api/follow-events.js';
import { ApiError, CliError } from 'liveprobe/dist/errors.js';

export const TOKEN_KEY = 'liveprobe.token';
const AGENTS_EVERY_MS = 5000;

export type ConnectionState =
  | { kind: 'connecting'; server: string }
  | { kind: 'connected'; server: string }
  | { kind: 'unreachable'; server: string; reason: string; retryMs: number }
  | { kind: 'signed-out'; server: string; reason: string }
  | { kind: 'misconfigured'; server: string; reason: string };

export class Connection implements vscode.Disposable {
  #api: ApiClient | undefined;
  #token: string | undefined;
  #stop = new AbortController();
  #state: ConnectionState = { kind: 'connecting', server: '' };
  agents: AgentView[] = [];
  readonly #stateChanged = new vscode.EventEmitter<ConnectionState>();
  readonly #event = new vscode.EventEmitter<EventSourceMessage>();
  readonly #agentsChanged = new vscode.EventEmitter<AgentView[]>();
  readonly onDidChangeState = this.#stateChanged.event;
  readonly onEvent = this.#event.event;
  readonly onDidChangeAgents = this.#agentsChanged.event;

  constructor(private readonly secrets: vscode.SecretStorage) {}

  get state(): ConnectionState {
    return this.#state;
  }

  get server(): string {
    return vscode.workspace.getConfiguration('liveprobe').get<string>('server', 'http://127.0.0.1:8080');
  }

  get token(): string | undefined {
    return this.#token;
  }

  /** The API client, or an error the user can act on. */
  api(): ApiClient {
    if (this.#api === undefined)
      throw new CliError('not_connected', 'liveprobe is not connected: check `liveprobe.server` and run `liveprobe: Sign in`');
    return this.#api;
  }

  /** (Re)connects with the current settings and token. */
  async start(): Promise<void> {
    this.#stop.abort();
    const stop = (this.#stop = new AbortController());
    const server = this.server;
    this.#token = await this.secrets.get(TOKEN_KEY);
    try {
      this.#api = new ApiClient(server, this.#token);
    } catch (err) {
      this.#api = undefined;
      return this.setState({ kind: 'misconfigured', server, reason: errorMessage(err) });
    }
    const api = this.#api;
    this.setState({ kind: 'connecting', server });
    void this.pollAgents(api, stop.signal);
    try {
      await followEvents(
        api,
        {
          onEvent: (message) => this.#event.fire(message),
          onConnected: () => this.setState({ kind: 'connected', server }),
          onLost: (reason, retryMs) => this.setState({ kind: 'unreachable', server, reason, retryMs }),
        },
        stop.signal,
        { failOnApiError: true },
      );
    } catch (err) {
      if (stop.signal.aborted) return;
      this.refused(err, server);
    }
  }

  /** A 401 or 403 from any request: stop, and ask the user to sign in again. */
  refused(err: unknown, server = this.server): boolean {
    if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) return false;
    if (this.#state.kind === 'signed-out') return true;
    this.#stop.abort();
    this.setState({ kind: 'signed-out', server, reason: err.message });
    void vscode.window.showWarningMessage(`liveprobe: the server refused the token (${err.message})`, 'Sign in').then((choice) => {
      if (choice === 'Sign in') void vscode.commands.executeCommand('liveprobe.signIn');
    });
    return true;
  }

  private async pollAgents(api: ApiClient, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        this.agents = (await api.get<AgentList>('/agents')).agents;
        this.#agentsChanged.fire(this.agents);
        if (this.#state.kind === 'connected') this.#stateChanged.fire(this.#state);
      } catch (err) {
        if (this.refused(err)) return;
      }
      await sleep(AGENTS_EVERY_MS, signal);
    }
  }

  private setState(state: ConnectionState): void {
    this.#state = state;
    this.#stateChanged.fire(state);
  }

  dispose(): void {
    this.#stop.abort();
    this.#stateChanged.dispose();
    this.#event.dispose();
    this.#agentsChanged.dispose();
  }
}
