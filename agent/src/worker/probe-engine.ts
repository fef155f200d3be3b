/**
 * Installs and removes log actions as non-pausing conditional breakpoints (install path 1),
 * reconciling toward the desired set. Operations run one at a time, in order.
 */
import type { MessagePort } from 'node:worker_threads';
import { checkExpression, checkTemplate, ExpressionError, type Action, type ActionState, type LogAction, type Expr, type TemplatePart } from '@liveprobe/protocol';
import type { ToMain } from '../bridge.js';
import { conditionSource } from './condition-source.js';
import { functionNameAt } from './function-name.js';
import { InspectorSession, type LoadedScript } from './inspector-session.js';
import { matchScript, normalizeRequested } from './script-match.js';

export interface StatusReport {
  actionId: string;
  state: ActionState;
  message?: string;
  location?: { file: string; line: number };
}

/** What the breakpoint and the main-thread hook need, derived once from the action. */
interface ArmSpec {
  roots: string[];
  usesThis: boolean;
  template: TemplatePart[];
  condition?: Expr;
  conditionSource?: string;
}

interface Probe {
  action: LogAction;
  key: number;
  arm: ArmSpec;
  /** Set once installed; absent while waiting for the script to load. */
  breakpointId?: string;
  file?: string;
  line?: number;
  functionName?: string;
  expiryTimer?: NodeJS.Timeout;
}

export class ProbeEngine {
  private readonly probes = new Map<string, Probe>();
  private readonly byKey = new Map<number, Probe>();
  /** Actions that reached their hit limit or expiry: never reinstalled while still desired. */
  private readonly finished = new Set<string>();
  private readonly session: InspectorSession;
  private nextKey = 1;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly port: MessagePort,
    private readonly report: (status: StatusReport) => void,
    private readonly log: (line: string) => void,
    sessionOpen: Int32Array,
  ) {
    this.session = new InspectorSession((script) => this.enqueue(() => this.retryPending(script)), sessionOpen);
  }

  probeFor(key: number): Probe | undefined {
    return this.byKey.get(key);
  }

  /** Reconciles toward `desired`: installs what is new, removes what is gone. Idempotent. */
  reconcile(desired: readonly Action[]): Promise<void> {
    return this.enqueue(async () => {
      const wanted = new Map(desired.map((a) => [a.id, a]));
      for (const id of [...this.probes.keys()]) {
        if (!wanted.has(id)) await this.remove(id, 'removed', 'the action was removed');
      }
      for (const id of this.finished) if (!wanted.has(id)) this.finished.delete(id);
      for (const action of wanted.values()) {
        if (!this.probes.has(action.id) && !this.finished.has(action.id)) await this.install(action);
      }
      this.closeIfIdle();
    });
  }

  /** The main thread saw the hit limit or the expiry. */
  finish(key: number, reason: 'hit_limit' | 'expired'): Promise<void> {
    return this.enqueue(async () => {
      const probe = this.byKey.get(key);
      if (probe === undefined) return;
      const message = reason === 'hit_limit' ? `reached its limit of ${probe.action.maxHits} hits` : 'expired';
      await this.remove(probe.action.id, reason, message);
      this.finished.add(probe.action.id);
      this.closeIfIdle();
    });
  }

  close(): void {
    for (const probe of this.probes.values()) clearTimeout(probe.expiryTimer);
    this.probes.clear();
    this.byKey.clear();
    this.session.close();
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task).catch((err: unknown) => this.log(`internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`));
    this.queue = run;
    return run;
  }

  private async install(action: Action | LogAction): Promise<void> {
    if (action.type !== 'log') {
      this.finished.add(action.id);
      this.report({ actionId: action.id, state: 'error', message: `this agent does not support ${action.type} actions yet` });
      return;
    }
    const remaining = Date.parse(action.expiresAt) - Date.now();
    if (!(remaining > 0)) {
      this.finished.add(action.id);
      this.report({ actionId: action.id, state: 'expired', message: `expired at ${action.expiresAt}` });
      return;
    }
    // The control plane checked these too; the agent never trusts what arrives over the broker.
    let template, condition;
    try {
      template = checkTemplate(action.template);
      condition = action.condition === undefined ? undefined : checkExpression(action.condition);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      this.finished.add(action.id);
      this.report({ actionId: action.id, state: 'error', message: err.message });
      return;
    }
    const roots = [...template.roots];
    for (const r of condition?.roots ?? []) if (!roots.includes(r)) roots.push(r);
    const arm: ArmSpec = {
      roots, usesThis: template.usesThis || (condition?.usesThis ?? false),
      template: template.parts, condition: condition?.expr, conditionSource: condition?.source,
    };
    const probe: Probe = { action, key: this.nextKey++, arm };
    probe.expiryTimer = setTimeout(() => void this.finish(probe.key, 'expired'), Math.min(remaining, 2 ** 31 - 1));
    probe.expiryTimer.unref();
    this.probes.set(action.id, probe);
    this.byKey.set(probe.key, probe);
    await this.session.open();
    await this.place(probe);
  }

  /** Tries to set the breakpoint; when the script is not loaded yet the probe stays pending. */
  private async place(probe: Probe): Promise<void> {
    const { action } = probe;
    const match = matchScript(action.file, this.session.paths());
    if (match.kind === 'ambiguous') {
      this.report({
        actionId: action.id, state: 'error',
        message: `\`${action.file}\` matches ${match.candidates.length} loaded scripts: ${match.candidates.join(', ')}; give more of the path`,
      });
      return;
    }
    if (match.kind === 'none') {
      const hint = match.similar.length > 0 ? `; loaded scripts with the same name: ${match.similar.join(', ')}` : '';
      this.report({
        actionId: action.id, state: 'error',
        message: `no loaded script matches \`${normalizeRequested(action.file)}\`${hint} (it will install if such a script loads)`,
      });
      return;
    }
    const script = this.session.script(match.path)!;
    await this.setBreakpoint(probe, script);
  }

  private async setBreakpoint(probe: Probe, script: LoadedScript): Promise<void> {
    const { action, arm } = probe;
    if (action.line > script.endLine) {
      this.report({ actionId: action.id, state: 'error', message: `line ${action.line} is past the end of ${script.path} (${script.endLine} lines)` });
      return;
    }
    const functionName = functionNameAt(await this.session.source(script), action.line);
    this.post({
      t: 'arm', key: probe.key, actionId: action.id, level: action.level, roots: arm.roots,
      condition: arm.condition, conditionSource: arm.conditionSource, template: arm.template,
      maxHits: action.maxHits, expiresAt: Date.parse(action.expiresAt),
      file: script.path, line: action.line, functionName,
    });
    const result = await this.session.setBreakpoint(script, action.line, conditionSource(probe.key, arm.roots, arm.usesThis), probe.key);
    if (result.line === undefined) {
      await this.session.removeBreakpoint(result.breakpointId);
      this.post({ t: 'disarm', key: probe.key });
      this.report({ actionId: action.id, state: 'error', message: `line ${action.line} of ${script.path} has no code V8 can stop at` });
      return;
    }
    probe.breakpointId = result.breakpointId;
    probe.file = script.path;
    probe.line = result.line;
    probe.functionName = functionName;
    const moved = result.line !== action.line ? `line ${action.line} has no code; installed at line ${result.line}, the next line with code` : undefined;
    this.report({ actionId: action.id, state: 'installed', message: moved, location: { file: script.path, line: result.line } });
  }

  private async retryPending(script: LoadedScript): Promise<void> {
    for (const probe of this.probes.values()) {
      if (probe.breakpointId !== undefined) continue;
      const match = matchScript(probe.action.file, [script.path]);
      if (match.kind === 'found') await this.place(probe);
    }
  }

  private async remove(actionId: string, state: ActionState, message: string): Promise<void> {
    const probe = this.probes.get(actionId);
    if (probe === undefined) return;
    this.probes.delete(actionId);
    this.byKey.delete(probe.key);
    clearTimeout(probe.expiryTimer);
    if (probe.breakpointId !== undefined) await this.session.removeBreakpoint(probe.breakpointId);
    this.post({ t: 'disarm', key: probe.key });
    this.report({ actionId, state, message });
  }

  private closeIfIdle(): void {
    if (this.probes.size === 0 && this.session.isOpen) {
      this.session.close();
      this.log('no actions left; inspector session closed');
    }
  }

  private post(message: ToMain): void {
    this.port.postMessage(message);
  }
}
