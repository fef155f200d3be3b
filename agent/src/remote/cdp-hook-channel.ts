/**
 * The engine's channel to a probe hook injected into a remote target: `ToMain` messages go
 * in with Runtime.evaluate, in order on the shared connection; the hook's batched `ToWorker`
 * messages come back through a binding.
 */
import { defined } from '@liveprobe/protocol/util';
import { readFile } from 'node:fs/promises';
import { HOOK_KEY, type ArmProbe, type HookChannel, type Init, type ToMain, type ToWorker } from '../bridge.js';
import { AttachError } from './attach-error.js';
import { errorMessage } from '@liveprobe/protocol/util';
import type { RemoteConnection } from './chrome-remote-transport.js';
import { HOOK_BINDING } from './target/binding.js';
import type { Batch, InstallResult } from './target/hook-entry.js';

export const HOOK = `globalThis[Symbol.for(${JSON.stringify(HOOK_KEY)})]`;

interface EvaluateResult {
  result: { value?: unknown; description?: string };
  exceptionDetails?: { text: string; exception?: { description?: string } };
}

export class CdpHookChannel implements HookChannel {
  private unsubscribe: (() => void) | undefined;
  /** Set once this channel added the binding: only then is there anything of ours to remove. */
  private injected = false;
  private script: string | undefined;
  /** What the hook has been told and still needs, to tell a new page after a navigation. */
  private init: Init | undefined;
  private readonly arms = new Map<number, ArmProbe>();
  private unfollow: (() => void) | undefined;

  constructor(
    private readonly connection: RemoteConnection,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Adds the binding and injects the hook; returns the platform it runs on. Refuses a target
   * that already has a liveprobe hook (an in-process agent, or another attach).
   */
  async inject(onMessage: (message: ToWorker) => void, onDropped: (count: number) => void): Promise<'node' | 'conservative'> {
    const existing = await this.evaluate(
      `typeof ${HOOK} === 'undefined' ? 'none' : typeof ${HOOK}.detach === 'function' ? 'attached' : 'in-process'`,
    );
    if (existing === 'attached')
      throw new AttachError('already_attached', 'another `liveprobe attach` is attached to this target; detach it first');
    if (existing === 'in-process')
      throw new AttachError(
        'already_attached',
        'the target already runs the liveprobe agent (started with --import @liveprobe/agent/register); add actions for its tags instead of attaching',
      );
    this.unsubscribe = this.connection.on<{ name: string; payload: string }>('Runtime.bindingCalled', ({ name, payload }) => {
      if (name !== HOOK_BINDING) return;
      let batch: Batch;
      try {
        batch = JSON.parse(payload) as Batch;
      } catch {
        return this.log('ignored a malformed message from the injected hook');
      }
      if (batch.dropped > 0) onDropped(batch.dropped);
      for (const message of batch.messages) onMessage(message);
    });
    await this.connection.send('Runtime.enable');
    this.injected = true;
    await this.connection.send('Runtime.addBinding', { name: HOOK_BINDING });
    const script = await readFile(new URL('./probe-hook.bundle.js', import.meta.url), 'utf8');
    this.script = script;
    const result = (await this.evaluate(script)) as InstallResult;
    if (result !== 'node' && result !== 'conservative') {
      throw new AttachError('inject_failed', `the probe hook did not install in the target (${result})`);
    }
    return result;
  }

  /**
   * A page that navigates or reloads gets a new global object, without the hook (the binding
   * stays: CDP adds it to every new context). Inject it again into the main frame's new context
   * and replay `init` and the armed probes; hit counts start again with the new page.
   */
  async followNavigations(): Promise<void> {
    const { frameTree } = await this.connection.send<{ frameTree: { frame: { id: string } } }>('Page.getFrameTree');
    const mainFrame = frameTree.frame.id;
    this.unfollow = this.connection.on<{ context: { id: number; auxData?: { isDefault?: boolean; frameId?: string } } }>(
      'Runtime.executionContextCreated',
      ({ context }) => {
        if (context.auxData?.isDefault !== true || context.auxData.frameId !== mainFrame) return;
        this.reinject(context.id).catch((err: unknown) =>
          this.log(`could not inject the hook into the reloaded page: ${errorMessage(err)}`),
        );
      },
    );
  }

  private async reinject(contextId: number): Promise<void> {
    if (this.script === undefined || !this.injected) return;
    const result = await this.evaluate(this.script, contextId);
    if (result !== 'node' && result !== 'conservative') return;
    const replay: ToMain[] = [...(this.init === undefined ? [] : [this.init]), ...this.arms.values()];
    for (const message of replay) await this.evaluate(receive(message), contextId);
    this.log(`the page loaded again; hook injected, ${this.arms.size} probe(s) re-armed`);
  }

  postMessage(message: ToMain): void {
    if (message.t === 'init') this.init = message;
    else if (message.t === 'settings' && this.init !== undefined)
      this.init = { ...this.init, capture: message.capture, redaction: message.redaction, quotas: message.quotas };
    else if (message.t === 'arm') this.arms.set(message.key, message);
    else if (message.t === 'disarm') this.arms.delete(message.key);
    this.evaluate(receive(message)).catch((err: unknown) => {
      this.log(`could not send ${message.t} to the injected hook: ${errorMessage(err)}`);
    });
  }

  /** Removes the hook and the binding: breakpoint conditions left anywhere find nothing and return false. */
  async remove(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.unfollow?.();
    this.unfollow = undefined;
    // A refused attach must not remove the hook of the agent that is already there.
    if (!this.injected) return;
    this.injected = false;
    await this.evaluate(`${HOOK}?.detach?.()`);
    await this.connection.send('Runtime.removeBinding', { name: HOOK_BINDING });
  }

  async evaluate(expression: string, contextId?: number): Promise<unknown> {
    const reply = await this.connection.send<EvaluateResult>('Runtime.evaluate', {
      expression,
      returnByValue: true,
      silent: true,
      ...defined({ contextId }),
    });
    if (reply.exceptionDetails !== undefined) {
      throw new Error(reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text);
    }
    return reply.result.value;
  }
}

export function receive(message: ToMain): string {
  return `${HOOK}?.receive(${JSON.stringify(JSON.stringify(message))})`;
}
