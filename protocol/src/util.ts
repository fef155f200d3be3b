/**
 * Small helpers every package repeated: the text of anything thrown, an object of only the fields
 * that are set, and whole counts grouped by thousands. No run-time import but value-tree.ts
 * (itself import-free), so the agent's main thread can load it without the rest of the protocol package.
 */

/** An Error's own message, or the thrown value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The fields whose value is not undefined: `...defined({ pid: options.pid })` adds `pid` only when it is set. */
export function defined<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const set: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) set[key] = value;
  return set as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Whole counts grouped by thousands; defined beside the tree views, which the portal loads without imports. */
export { grouped } from './value-tree.js';
