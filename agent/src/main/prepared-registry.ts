/**
 * The main thread's side of prepared files: each file's flag tables and `$lp.hit`, which turns
 * a site's scope object into the probe hook's `values` (in the action's `roots` order) so the
 * same compiled expressions, quotas and redaction apply as on the breakpoint path.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { NOT_AVAILABLE } from './compile.js';
import type { PreparedOutput } from '../prepare/prepared-output.js';
import type { PreparedFlags, PreparedToMain, PreparedToWorker } from '../prepare/prepared-messages.js';

/** Captured at load: the app may replace Object.hasOwn later, and a hit must not call its version. */
const hasOwn = Object.hasOwn;

/** The part of the probe hook a prepared site calls. */
export interface HitTarget {
  hit(key: number, values: unknown[], self: unknown, prepared: boolean): void;
}

interface ArmedSite {
  key: number;
  roots: string[];
}

/** What a prepared file's header binds to `$lp`; `$lpF` and `$lpS` are its F and S. */
export class PreparedFile {
  readonly F: Uint8Array;
  readonly S: Uint8Array;
  private readonly armed = new Map<number, ArmedSite[]>();
  private readonly functionUse: Uint32Array;

  constructor(
    readonly index: number,
    readonly path: string,
    readonly sites: readonly number[],
    functions: number,
    readonly map: Readonly<Record<number, number[]>>,
    private readonly target: HitTarget,
    /** Takes the worker's queued flag messages now: it may have turned a flag on before they arrived. */
    private readonly drain: () => void,
  ) {
    this.F = new Uint8Array(new SharedArrayBuffer(functions));
    this.S = new Uint8Array(new SharedArrayBuffer(sites.length / 3));
    this.functionUse = new Uint32Array(functions);
  }

  hit(site: number, self: unknown, scope: Record<string, unknown>): void {
    try {
      let armed = this.armed.get(site);
      if (armed === undefined) {
        this.drain();
        armed = this.armed.get(site);
        if (armed === undefined) return;
      }
      for (const { key, roots } of armed) {
        const values = roots.map((name) => (hasOwn(scope, name) ? scope[name] : NOT_AVAILABLE));
        this.target.hit(key, values, self, true);
      }
    } catch {
      // A probe never throws into the app.
    }
  }

  setFlags({ key, roots, sites, on }: PreparedFlags): void {
    for (const site of sites) {
      // Counted from the armed lists, not the flags: the worker sets a flag on before this runs.
      const wasOn = this.armed.has(site);
      const list = (this.armed.get(site) ?? []).filter((a) => a.key !== key);
      if (on) list.push({ key, roots });
      if (list.length > 0) this.armed.set(site, list);
      else this.armed.delete(site);
      const isOn = list.length > 0;
      this.S[site] = isOn ? 1 : 0;
      const fn = this.sites[site * 3 + 2]!;
      if (fn >= 0 && wasOn !== isOn) this.functionUse[fn] = this.functionUse[fn]! + (isOn ? 1 : -1);
      if (fn >= 0) this.F[fn] = this.functionUse[fn]! > 0 ? 1 : 0;
    }
  }
}

export class PreparedRegistry {
  private readonly files: PreparedFile[] = [];
  private readonly byPath = new Map<string, PreparedFile>();
  /** CommonJS: output prepared for a file about to compile; its header asks for it by `__filename`. */
  private readonly expected = new Map<string, PreparedOutput>();

  constructor(
    private readonly target: HitTarget,
    private readonly worker: MessagePort,
    private readonly sessionOpen: Int32Array,
  ) {
    worker.on('message', (message: PreparedToMain) => this.receive(message));
  }

  private receive(message: PreparedToMain): void {
    if (message.t === 'flags') this.files[message.file]?.setFlags(message);
  }

  private readonly drain = (): void => {
    for (let m = receiveMessageOnPort(this.worker); m !== undefined; m = receiveMessageOnPort(this.worker))
      this.receive(m.message as PreparedToMain);
  };

  expect(path: string, output: PreparedOutput): void {
    this.expected.set(path, output);
  }

  /** Called by a prepared file's header (CommonJS) or its flags module (ESM) as it evaluates. */
  file(path: string, sites?: number[], functions?: number, map?: Record<number, number[]>, sourceMappingURL?: string): PreparedFile {
    const known = this.byPath.get(path);
    if (known !== undefined) return known;
    const expected = this.expected.get(path);
    this.expected.delete(path);
    const file = new PreparedFile(
      this.files.length,
      path,
      sites ?? expected?.sites ?? [],
      functions ?? expected?.functions ?? 0,
      map ?? expected?.map ?? {},
      this.target,
      this.drain,
    );
    this.files.push(file);
    this.byPath.set(path, file);
    const mapUrl = sourceMappingURL ?? expected?.sourceMappingURL;
    const message: PreparedToWorker = {
      t: 'file',
      file: file.index,
      path,
      sites: [...file.sites],
      F: file.F,
      S: file.S,
      ...(mapUrl === undefined ? {} : { sourceMappingURL: mapUrl }),
    };
    this.worker.postMessage(message);
    return file;
  }

  /** Whether the agent's inspector session is open now: actions on prepared lines never open it. */
  get inspectorSessionOpen(): boolean {
    return Atomics.load(this.sessionOpen, 0) > 0;
  }

  /** The position map of a prepared script, by the name V8 gives it. */
  mapOf(path: string): Readonly<Record<number, number[]>> | undefined {
    return this.byPath.get(path)?.map;
  }
}
