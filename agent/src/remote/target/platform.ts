/**
 * What the injected probe hook can reach in its target. A Node process exposes its built-in
 * modules through `process.getBuiltinModule` (Node ≥ 20.16); a browser page has none of them.
 */
interface NodeProcess {
  getBuiltinModule(id: string): unknown;
  hrtime: { bigint(): bigint };
  pid: number;
}

const candidate = (globalThis as { process?: Partial<NodeProcess> }).process;

/** The target's `process` when it is Node with `getBuiltinModule`, else undefined. */
export const nodeProcess: NodeProcess | undefined =
  typeof candidate?.getBuiltinModule === 'function' && typeof candidate.hrtime?.bigint === 'function'
    ? (candidate as NodeProcess)
    : undefined;

/**
 * `node`: the hook reads values exactly as the in-process one does. `conservative`: no
 * `node:util`, so no way to tell a Proxy from a plain object without running its traps; the
 * hook reads primitives only and shows every object as unreadable.
 */
export const platform: 'node' | 'conservative' = nodeProcess === undefined ? 'conservative' : 'node';

export function builtin<T>(id: string): T {
  if (nodeProcess === undefined) throw new Error(`${id} is not available in this target`);
  return nodeProcess.getBuiltinModule(id) as T;
}
