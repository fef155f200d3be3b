/**
 * Getters of web frameworks an expression may run when the agent's configuration lists them
 * (LIVEPROBE_FRAMEWORK_GETTERS=express:path,express:hostname): framework code, so opt-in. Each is
 * recognised by the identity of the getter on the framework's own request prototype, taken from
 * the module the app loaded (never loaded by the agent), so an app getter of the same name stays
 * refused.
 */
import { createRequire } from 'node:module';
import { mapGet, mapSet, setHas } from './builtins.js';

/** Where each framework keeps its request prototype, from the app's working directory. */
const FRAMEWORKS: Readonly<Record<string, { module: string; prototype: (exports: unknown) => unknown }>> = {
  express: { module: 'express/lib/request.js', prototype: (exports) => exports },
  koa: { module: 'koa/lib/request.js', prototype: (exports) => exports },
  fastify: { module: 'fastify/lib/request.js', prototype: (exports) => (exports as { prototype?: unknown } | undefined)?.prototype },
};

interface Wanted {
  framework: string;
  getter: string;
}

export class FrameworkGetterError extends Error {
  override name = 'FrameworkGetterError';
}

/** `express:path, koa:host` → the entries; throws naming the entry that is not framework:getter of a known framework. */
export function parseFrameworkGetters(text: string | undefined): Wanted[] {
  const entries = (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  return entries.map((entry) => {
    const [framework, getter, extra] = entry.split(':');
    if (framework === undefined || getter === undefined || extra !== undefined || !Object.hasOwn(FRAMEWORKS, framework) || getter === '') {
      throw new FrameworkGetterError(
        `LIVEPROBE_FRAMEWORK_GETTERS: "${entry}" is not framework:getter with framework one of ${Object.keys(FRAMEWORKS).join(', ')} (e.g. express:path)`,
      );
    }
    return { framework, getter };
  });
}

/** Resolves as the app does from its working directory (a page the hook is attached to has none). */
const cwd = (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? '/';
const appRequire = createRequire(`${cwd}/`);

/**
 * `fastify:url` when `owner` is the request prototype of a framework the app loaded and `key` one
 * of its getters: what to add to LIVEPROBE_FRAMEWORK_GETTERS to let that getter run.
 */
export function frameworkGetterName(owner: object, key: string): string | undefined {
  // An index loop and captured Map methods: this runs on the app's thread, whose iterators and Map the app may replace.
  for (let i = 0; i < FRAMEWORK_NAMES.length; i++) {
    const framework = FRAMEWORK_NAMES[i]!;
    const { module, prototype } = FRAMEWORKS[framework]!;
    const filename = resolvedOnce(module);
    const loaded = filename === null ? undefined : appRequire.cache[filename];
    if (loaded !== undefined && prototype(loaded.exports) === owner) return `${framework}:${key}`;
  }
  return undefined;
}

const FRAMEWORK_NAMES = Object.keys(FRAMEWORKS);

/** A refused getter can be read on every hit: each module is resolved (a walk of the file system) once; null: not installed. */
const resolved = new Map<string, string | null>();
function resolvedOnce(module: string): string | null {
  let filename = mapGet(resolved, module);
  if (filename === undefined) {
    try {
      filename = appRequire.resolve(module);
    } catch {
      filename = null;
    }
    mapSet(resolved, module, filename);
  }
  return filename;
}

export class FrameworkGetters {
  private readonly allowed = new Set<unknown>();
  private pending: Wanted[];

  constructor(wanted: Wanted[]) {
    this.pending = wanted;
  }

  /** Whether `getter` is one the configuration allows; takes the framework's getters once the app loaded it. */
  allows(getter: unknown): boolean {
    if (this.pending.length > 0) this.resolve();
    return setHas(this.allowed, getter);
  }

  private resolve(): void {
    this.pending = this.pending.filter(({ framework, getter }) => {
      const { module, prototype } = FRAMEWORKS[framework]!;
      let loaded: { exports?: unknown } | undefined;
      try {
        loaded = appRequire.cache[appRequire.resolve(module)];
      } catch {
        return false; // Not installed where the app runs: nothing to allow.
      }
      if (loaded === undefined) return true; // Not loaded yet: ask again later.
      const proto = prototype(loaded.exports);
      const found = typeof proto === 'object' && proto !== null ? Object.getOwnPropertyDescriptor(proto, getter)?.get : undefined;
      if (found !== undefined) this.allowed.add(found);
      return false;
    });
  }
}
