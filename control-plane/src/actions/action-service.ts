import { errorMessage } from '@liveprobe/protocol/util';
import { actionWhere, parseDuration } from '@liveprobe/protocol';
import type { Action, ActionPatch, CreatedAction, ParsedActionInput } from '@liveprobe/protocol';
import { type DesiredStatePublisher, targetsOf } from '../desired-state/desired-state.js';
import { ActionNotFoundError } from '../errors.js';
import { SerialQueue } from '../serial-queue.js';
import type { AgentRecord, Store } from '../store/store.js';
import { isPresent } from '../agents/presence.js';
import { newActionId } from './action-id.js';
import { toActionView, type ActionView } from './action-view.js';
import { applyPatch } from './apply-patch.js';
import { unknownTargetWarnings } from './target-warnings.js';

export interface ActionServiceDeps {
  store: Store;
  desiredState: DesiredStatePublisher;
  now: () => Date;
  log: (line: string) => void;
  /** How long a request waits for the broker to acknowledge the new desired state. */
  ackTimeoutMs: number;
}

/**
 * What became of a change's publish, as the request that made it sees it. The store changed
 * either way: a failed publish is logged, not thrown, and an unacknowledged one reaches agents
 * once the broker acknowledges it.
 */
export type PublishOutcome = { kind: 'acknowledged' } | { kind: 'failed'; reason: string } | { kind: 'unacknowledged'; waitedMs: number };

export type { CreatedAction };

/** Creates, lists, deletes and expires actions, keeping the published desired state in step. */
export class ActionService {
  // Store write and publish happen under one lock: otherwise a slower, older change could
  // publish after a newer one and leave a stale set retained on the broker.
  private readonly changes = new SerialQueue();

  constructor(private readonly deps: ActionServiceDeps) {}

  async create(input: ParsedActionInput): Promise<CreatedAction> {
    const now = this.deps.now();
    // ActionInput has already checked that expiresIn parses.
    const ttl = parseDuration(input.expiresIn) as number;
    const { expiresIn: _expiresIn, ...fields } = input;
    const action = {
      ...fields,
      // A duration named by its function has no line of its own; an exception action no location at all.
      file: 'file' in fields ? fields.file : '',
      line: 'line' in fields ? (fields.line ?? 0) : 0,
      id: newActionId(),
      tags: [...new Set(input.tags)],
      agents: [...new Set(input.agents)],
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttl).toISOString(),
    } satisfies Action;
    // The ack is wrapped, not returned: returning a promise from the task would await it under the lock.
    const { acked } = await this.changes.run(async () => {
      const { rev } = await this.deps.store.createAction(action);
      return this.deps.desiredState.publish(targetsOf([action]), rev);
    });
    this.deps.log(`created ${action.id} (${action.type} at ${actionWhere(action)}) for ${describeTargets(action)}`);

    const warnings = unknownTargetWarnings(action, await this.deps.store.listAgents());
    if (!(await this.settledWithin(acked))) {
      warnings.push(
        `the MQTT broker has not acknowledged the new desired state within ${this.deps.ackTimeoutMs} ms; agents will get the action once it does`,
      );
    }
    return { action: toActionView(action, [], now), warnings };
  }

  async list(): Promise<ActionView[]> {
    const actions = await this.deps.store.listActions();
    const statuses = await this.deps.store.statuses(actions.map((a) => a.id));
    const now = this.deps.now();
    const { offline, online } = await this.presence();
    return actions.map((action) =>
      toActionView(
        action,
        statuses.filter((s) => s.actionId === action.id),
        now,
        offline,
        online,
      ),
    );
  }

  async get(id: string): Promise<ActionView> {
    const action = await this.deps.store.getAction(id);
    if (action === undefined) throw new ActionNotFoundError(id);
    const { offline, online } = await this.presence();
    return toActionView(action, await this.deps.store.statuses([id]), this.deps.now(), offline, online);
  }

  /** The agents online now, and the ids of the others. */
  private async presence(): Promise<{ offline: Set<string>; online: AgentRecord[] }> {
    const now = this.deps.now();
    const agents = await this.deps.store.listAgents();
    const online = agents.filter((a) => isPresent(a, now));
    return { offline: new Set(agents.filter((a) => !isPresent(a, now)).map((a) => a.agentId)), online };
  }

  /**
   * Changes what an action does, or disables or enables it, keeping its id, hits and snapshots;
   * agents converge through the next revision of its targets' desired state.
   */
  async update(id: string, patch: ActionPatch): Promise<CreatedAction> {
    const now = this.deps.now();
    const { acked, action } = await this.changes.run(async () => {
      const current = await this.deps.store.getAction(id);
      if (current === undefined) throw new ActionNotFoundError(id);
      const edited = applyPatch(current, patch, now);
      const { rev } = await this.deps.store.updateAction(edited, now);
      return { action: edited, ...(await this.deps.desiredState.publish(targetsOf([edited]), rev)) };
    });
    this.deps.log(`edited ${id} (${Object.keys(patch).join(', ')})`);
    const warnings = (await this.settledWithin(acked))
      ? []
      : [
          `the MQTT broker has not acknowledged the new desired state within ${this.deps.ackTimeoutMs} ms; agents will get the change once it does`,
        ];
    return { action: await this.get(action.id), warnings };
  }

  async delete(id: string): Promise<void> {
    const { acked } = await this.changes.run(async () => {
      const deleted = await this.deps.store.deleteAction(id, this.deps.now());
      if (deleted === undefined) throw new ActionNotFoundError(id);
      return this.deps.desiredState.publish(targetsOf([deleted.value]), deleted.rev);
    });
    this.deps.log(`deleted ${id}`);
    await this.settledWithin(acked);
  }

  /** Takes actions whose time is up out of the desired set; they stay listed as expired. */
  async expireDue(): Promise<void> {
    await this.changes.run(async () => {
      const expired = await this.deps.store.expireActions(this.deps.now());
      if (expired === undefined) return;
      for (const action of expired.value) this.deps.log(`expired ${action.id}`);
      void this.watch((await this.deps.desiredState.publish(targetsOf(expired.value), expired.rev)).acked);
    });
  }

  /** Publishes every topic any action ever touched, under a fresh revision: what a (re)started broker needs. */
  async republishAll(): Promise<void> {
    await this.changes.run(async () => {
      const rev = await this.deps.store.bumpRev();
      void this.watch((await this.deps.desiredState.publish(await this.deps.store.allTargets(), rev)).acked);
    });
  }

  /** Whether the publish settled (acknowledged, or failed and logged) within the ack timeout. */
  private async settledWithin(acked: Promise<void>): Promise<boolean> {
    return (await this.outcomeWithin(acked)).kind !== 'unacknowledged';
  }

  /** How the publish fared within the ack timeout; a failure is logged here. */
  private outcomeWithin(acked: Promise<void>): Promise<PublishOutcome> {
    const settled = this.watch(acked);
    let timer: NodeJS.Timeout | undefined;
    const waitedMs = this.deps.ackTimeoutMs;
    const timeout = new Promise<PublishOutcome>((resolve) => {
      timer = setTimeout(resolve, waitedMs, { kind: 'unacknowledged', waitedMs });
    });
    return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
  }

  private watch(acked: Promise<void>): Promise<PublishOutcome> {
    return acked.then(
      (): PublishOutcome => ({ kind: 'acknowledged' }),
      (err: unknown): PublishOutcome => {
        const reason = errorMessage(err);
        this.deps.log(`could not publish desired state: ${reason}`);
        return { kind: 'failed', reason };
      },
    );
  }
}

function describeTargets(action: Action): string {
  return [...action.tags.map((t) => `tag:${t}`), ...action.agents.map((a) => `agent:${a}`)].join(', ');
}
