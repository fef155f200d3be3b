/**
 * The actions the control plane has, kept current: re-read when a status, output or snapshot
 * event names one (debounced), on every (re)connection and every 15 s. Decorations,
 * diagnostics and the Actions view all draw from it.
 */
import * as vscode from 'vscode';
import type { ActionList, ActionView } from '@liveprobe/protocol';
import { SAMPLING } from './action-state.js';
import type { Connection } from './connection.js';

const EVERY_MS = 15_000;
const DEBOUNCE_MS = 250;

export class ActionsStore implements vscode.Disposable {
  actions: ActionView[] = [];
  readonly #changed = new vscode.EventEmitter<ActionView[]>();
  readonly onDidChange = this.#changed.event;
  readonly #subscriptions: vscode.Disposable[];
  #timer: NodeJS.Timeout | undefined;
  readonly #interval: NodeJS.Timeout;

  constructor(private readonly connection: Connection) {
    this.#subscriptions = [
      connection.onDidChangeState((state) => {
        if (state.kind === 'connected') this.schedule();
      }),
      connection.onEvent((message) => {
        this.noteError(message.data);
        this.schedule();
      }),
    ];
    this.#interval = setInterval(() => this.schedule(), EVERY_MS);
  }

  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), DEBOUNCE_MS);
  }

  async refresh(): Promise<void> {
    if (this.connection.state.kind !== 'connected') return;
    try {
      this.actions = (await this.connection.api().get<ActionList>('/actions')).actions;
      this.#changed.fire(this.actions);
    } catch (err) {
      this.connection.refused(err);
    }
  }

  /**
   * An agent's last evaluation or install error per action, kept while the action lives: the
   * status that follows (paused, resumed) replaces it on the server, but the expression is
   * still wrong, so the Problems view and the gutter keep saying so.
   */
  readonly #errors = new Map<string, Map<string, string>>();

  errorsOf(actionId: string): ReadonlyMap<string, string> {
    return this.#errors.get(actionId) ?? new Map();
  }

  private noteError(data: string): void {
    const event = JSON.parse(data) as { kind?: string; state?: string; actionId?: string; agentId?: string; message?: string };
    if (event.kind !== 'action_status' || event.actionId === undefined || event.agentId === undefined) return;
    const errors = this.#errors.get(event.actionId) ?? new Map<string, string>();
    if (event.state === 'error' && event.message !== undefined) errors.set(event.agentId, event.message);
    // A new install (the action moved, the agent restarted) starts clean; a resume does not fix an
    // expression, nor does the installed status a breakpoint reports as it starts sampling.
    else if ((event.state === 'installed' && !SAMPLING.test(event.message ?? '')) || event.state === 'removed')
      errors.delete(event.agentId);
    this.#errors.set(event.actionId, errors);
  }

  /** An action this editor just created: known at once, before its first output arrives. */
  remember(action: ActionView): void {
    this.actions = [action, ...this.actions.filter((a) => a.id !== action.id)];
    this.#changed.fire(this.actions);
  }

  forget(id: string): void {
    this.actions = this.actions.filter((a) => a.id !== id);
    this.#errors.delete(id);
    this.#changed.fire(this.actions);
  }

  byId(id: string): ActionView | undefined {
    return this.actions.find((a) => a.id === id);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#interval);
    for (const s of this.#subscriptions) s.dispose();
    this.#changed.dispose();
  }
}
