/**
 * A captured snapshot in the debugger's own terms: each snapshot is a thread stopped at its line,
 * its stack the captured stack, the top frame's scopes what the agent captured (arguments,
 * locals, closures, module, `this`, watches). Nothing runs: every value comes from the record.
 */
import { Handles, Scope, Source, StackFrame } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { CapturedValue, NamedValue, SnapshotRecord } from '@liveprobe/protocol';
import { leftOutNote, valueChildren, valueHeadText, valueMore } from '@liveprobe/protocol/value-tree';
import { localFileOf, type PathMapping } from './paths.js';

/** A named container's `note`: the last row, saying what was not read (a scope's leftOut). */
type Container = { kind: 'named'; entries: NamedValue[]; note?: string } | { kind: 'value'; value: CapturedValue };

const FRAMES_PER_THREAD = 1000;

export class SnapshotView {
  readonly #threads = new Map<number, SnapshotRecord>();
  readonly #containers = new Handles<Container>();
  #nextThread = 1;

  constructor(private readonly mapping: PathMapping) {}

  /** Adds a snapshot; the returned thread id is what the `stopped` event names. */
  add(record: SnapshotRecord): number {
    const id = this.#nextThread++;
    this.#threads.set(id, record);
    return id;
  }

  remove(threadId: number): void {
    this.#threads.delete(threadId);
  }

  threads(): DebugProtocol.Thread[] {
    return [...this.#threads].map(([id, r]) => ({ id, name: `snapshot ${r.id} · ${r.agentId} · ${r.time}` }));
  }

  snapshot(threadId: number): SnapshotRecord | undefined {
    return this.#threads.get(threadId);
  }

  stackTrace(threadId: number): StackFrame[] {
    const record = this.#threads.get(threadId);
    if (record === undefined) return [];
    const { stack, location } = record.snapshot;
    const frames = stack.length > 0 ? stack : [{ function: location.function ?? '', file: location.file, line: location.line, column: 1 }];
    return frames.map((frame, i) => {
      const local = localFileOf(frame.file, this.mapping);
      const source = new Source(basename(local ?? frame.file), local ?? frame.file);
      if (local === undefined) (source as DebugProtocol.Source).presentationHint = 'deemphasize';
      return new StackFrame(
        threadId * FRAMES_PER_THREAD + i,
        frame.function === '' ? '(anonymous)' : frame.function,
        source,
        frame.line,
        frame.column,
      );
    });
  }

  /** Only the top frame has captured values; the frames below show where the call came from. */
  scopes(frameId: number): Scope[] {
    const record = this.#threads.get(Math.floor(frameId / FRAMES_PER_THREAD));
    if (record === undefined || frameId % FRAMES_PER_THREAD !== 0) return [];
    const s = record.snapshot;
    const named = (name: string, entries: NamedValue[], expensive = false, note?: string) =>
      new Scope(name, this.#containers.create({ kind: 'named', entries, ...(note === undefined ? {} : { note }) }), expensive);
    const scopes = [named('Arguments', s.arguments), named('Locals', s.locals)];
    for (const scope of s.scopes) {
      const label = scope.kind === 'module' ? 'Module' : scope.kind === 'closure' ? 'Closure' : 'Block';
      const title = scope.name === undefined ? label : `${label} (${scope.name})`;
      // The names the snapshot did not read (a bundle's module scope), said as the CLI and the portal say it.
      const note = scope.leftOut === undefined ? undefined : leftOutNote(scope.leftOut, 'a watch expression of the snapshot action');
      scopes.push(named(title, scope.variables, scope.kind === 'module', note));
    }
    if (s.this !== undefined && s.this.t !== 'undefined') scopes.push(named('this', [{ name: 'this', value: s.this }]));
    if (s.watches.length > 0)
      scopes.push(
        named(
          'Watches',
          s.watches.map((w) => ({ name: w.expression, value: w.value ?? { t: 'unavailable', reason: w.error } })),
        ),
      );
    return scopes;
  }

  variables(reference: number): DebugProtocol.Variable[] {
    const container = this.#containers.get(reference);
    if (container === undefined) return [];
    if (container.kind === 'named') {
      const entries = container.entries.map((e) => this.variable(e.name, e.value));
      if (container.note !== undefined) entries.push({ name: '…', value: container.note, variablesReference: 0 });
      return entries;
    }
    const children = valueChildren(container.value).map((child) => this.variable(child.label, child.value));
    const more = valueMore(container.value);
    if (more > 0) children.push({ name: '…', value: `+${more} more not captured`, variablesReference: 0 });
    return children;
  }

  /**
   * A watch or hover: a watch expression of the action gives its captured result; a name or a
   * dotted path is read from the captured values; anything else was not captured.
   */
  evaluate(expression: string, frameId: number | undefined): DebugProtocol.Variable {
    const threadId = frameId === undefined ? [...this.#threads.keys()].at(-1) : Math.floor(frameId / FRAMES_PER_THREAD);
    const record = threadId === undefined ? undefined : this.#threads.get(threadId);
    if (record === undefined) throw new NotCaptured('no snapshot is selected');
    const s = record.snapshot;
    const watch = s.watches.find((w) => w.expression === expression.trim());
    if (watch?.value !== undefined) return this.variable(expression, watch.value);
    if (watch?.error !== undefined) throw new NotCaptured(watch.error);
    const path = /^\s*([A-Za-z_$][\w$]*)((?:\.[A-Za-z_$][\w$]*|\[\d+\])*)\s*$/.exec(expression);
    if (path !== null) {
      const all = [
        ...s.locals,
        ...s.arguments,
        ...s.scopes.flatMap((scope) => scope.variables),
        ...(s.this === undefined ? [] : [{ name: 'this', value: s.this }]),
      ];
      let value = all.find((v) => v.name === path[1])?.value;
      for (const step of (path[2] ?? '').match(/\.[\w$]+|\[\d+\]/g) ?? []) {
        if (value === undefined) break;
        const key = step.startsWith('.') ? step.slice(1) : step;
        value = valueChildren(value).find((child) => child.label === key)?.value;
      }
      if (value !== undefined) return this.variable(expression, value);
    }
    throw new NotCaptured(`\`${expression}\` was not captured; add it as a watch expression of the snapshot action`);
  }

  private variable(name: string, value: CapturedValue): DebugProtocol.Variable {
    const expandable = valueChildren(value).length > 0 || valueMore(value) > 0;
    return {
      name,
      value: valueHeadText(value),
      type: value.t,
      variablesReference: expandable ? this.#containers.create({ kind: 'value', value }) : 0,
    };
  }
}

export class NotCaptured extends Error {}

function basename(path: string): string {
  return path.split(/[\\/]/).at(-1) ?? path;
}
