/**
 * The actions the control plane has, kept current: re-read when a status, output or snapshot
 * event names one (debounced), on every (re)connection and every 15 s. Decorations,
 * diagnostics and the Actions view all draw from it.
 */
import * as vscode from 'vscode';
import type { ActionView } from '@liveprobe/control-plane';
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
      connection.onEvent(() => this.schedule()),
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
      this.actions = (await this.connection.api().get<{ actions: ActionView[] }>('/actions')).actions;
      this.#changed.fire(this.actions);
    } catch (err) {
      this.connection.refused(err);
    }
  }

  /** An action this editor just created: known at once, before its first output arrives. */
  remember(action: ActionView): void {
    this.actions = [action, ...this.actions.filter((a) => a.id !== action.id)];
    this.#changed.fire(this.actions);
  }

  forget(id: string): void {
    this.actions = this.actions.filter((a) => a.id !== id);
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
