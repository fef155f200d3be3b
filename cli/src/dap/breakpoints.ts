/**
 * The breakpoints of a DAP session as liveprobe actions: creates an action per new breakpoint,
 * deletes those the editor dropped, and keeps each breakpoint's `verified` and message in step
 * with what the agents report (installed → verified; an error → unverified with its message).
 */
import { readFileSync } from 'node:fs';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { ActionView, CreatedAction } from '@liveprobe/protocol';
import type { ApiClient } from '../api/client.js';
import { ApiError, InvalidOptionsError } from '../errors.js';
import { inUserTerms } from '../field-terms.js';
import { actionForBreakpoint, breakpointKey, BreakpointRefused, type Targeting } from './breakpoint-action.js';
import { BREAKPOINT_TERMS } from './breakpoint-terms.js';
import { agentFileOf, type PathMapping } from './paths.js';

export interface Tracked {
  id: number;
  key: string;
  localPath: string;
  line: number;
  actionId?: string;
  type?: string;
  verified: boolean;
  message: string;
}

export class Breakpoints {
  readonly #bySource = new Map<string, Tracked[]>();
  readonly #byAction = new Map<string, Tracked>();
  #nextId = 1;

  constructor(
    private readonly api: ApiClient,
    private readonly target: () => Promise<Targeting>,
    private readonly mapping: PathMapping,
    private readonly changed: (bp: Tracked) => void,
  ) {}

  forAction(actionId: string): Tracked | undefined {
    return this.#byAction.get(actionId);
  }

  /** Makes the source's actions match `wanted`; resolves with the breakpoints in the request's order. */
  async set(localPath: string, wanted: DebugProtocol.SourceBreakpoint[]): Promise<Tracked[]> {
    const before = this.#bySource.get(localPath) ?? [];
    const keep = new Map(before.map((bp) => [bp.key, bp]));
    const lines = readLines(localPath);
    const result = await Promise.all(
      wanted.map(async (bp) => {
        const key = breakpointKey(bp);
        const existing = keep.get(key);
        if (existing !== undefined) {
          keep.delete(key);
          return existing;
        }
        return this.create(localPath, bp, key, lines?.[bp.line - 1]);
      }),
    );
    this.#bySource.set(localPath, result);
    await Promise.all([...keep.values()].map((bp) => this.remove(bp)));
    return result;
  }

  /** Deletes every action this session made (the session ends). */
  async clear(): Promise<void> {
    const all = [...this.#bySource.values()].flat();
    this.#bySource.clear();
    await Promise.all(all.map((bp) => this.remove(bp)));
  }

  /** Re-reads the action's per-agent statuses and updates its breakpoint. */
  async refresh(actionId: string): Promise<void> {
    const bp = this.#byAction.get(actionId);
    if (bp === undefined) return;
    try {
      const view = await this.api.get<ActionView>(`/actions/${encodeURIComponent(actionId)}`);
      const installed = view.statuses.some(
        (s) => s.state === 'installed' || s.state === 'resumed' || s.state === 'paused' || s.state === 'hit_limit',
      );
      // Refusals, and actions still waiting for their file, say why the breakpoint is not verified.
      const errors = view.statuses.filter((s) => s.state === 'error' || s.state === 'pending');
      const message =
        errors.length > 0 && !installed ? errors.map((s) => `${s.agentId}: ${s.message ?? 'error'}`).join('; ') : view.summary;
      if (bp.verified === installed && bp.message === message) return;
      bp.verified = installed;
      bp.message = message;
      this.changed(bp);
    } catch {
      // A failed read changes nothing: the next status event tries again.
    }
  }

  private async create(localPath: string, bp: DebugProtocol.SourceBreakpoint, key: string, lineText: string | undefined): Promise<Tracked> {
    const tracked: Tracked = { id: this.#nextId++, key, localPath, line: bp.line, verified: false, message: 'waiting for agents' };
    try {
      const body = actionForBreakpoint(bp, agentFileOf(localPath, this.mapping), lineText, await this.target());
      tracked.type = body.type;
      const created = await inUserTerms(this.api.post<CreatedAction>('/actions', body), body, BREAKPOINT_TERMS, false);
      tracked.actionId = created.action.id;
      tracked.message = [created.action.summary, ...created.warnings].join('; ');
      this.#byAction.set(created.action.id, tracked);
      void this.refresh(created.action.id);
    } catch (err) {
      if (!(err instanceof BreakpointRefused || err instanceof ApiError || err instanceof InvalidOptionsError)) throw err;
      tracked.message = err instanceof BreakpointRefused ? err.message : err.lines().join('; ');
    }
    return tracked;
  }

  private async remove(bp: Tracked): Promise<void> {
    if (bp.actionId === undefined) return;
    this.#byAction.delete(bp.actionId);
    await this.api.delete(`/actions/${encodeURIComponent(bp.actionId)}`).catch(() => undefined);
  }
}

function readLines(path: string): string[] | undefined {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/);
  } catch {
    return undefined;
  }
}
