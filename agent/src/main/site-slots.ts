/**
 * A prepared site's pass (`[site, this, value, …]`, prepared-registry.ts) read by an action's
 * roots. `slots[r]` is root r's place in the pass: its value's index, the index of a lazily
 * passed binding's reader negated, or 0 when the site does not pass it.
 */
import { NOT_INITIALISED_AT_SITE, NOT_PASSED } from './frame-markers.js';

/** A lazily passed binding's value, or NOT_INITIALISED_AT_SITE while it is in its TDZ. */
export function readLazily(reader: unknown): unknown {
  try {
    return (reader as () => unknown)();
  } catch {
    // Only a TDZ read throws here: the reader is `() => name`.
    return NOT_INITIALISED_AT_SITE;
  }
}

/** Fills `values` with the roots' values at this hit. */
export function readSlots(pass: readonly unknown[], slots: Int32Array, values: unknown[]): void {
  for (let r = 0; r < slots.length; r++) {
    const slot = slots[r]!;
    values[r] = slot > 0 ? pass[slot] : slot < 0 ? readLazily(pass[-slot]) : NOT_PASSED;
  }
}

/** The roots' values at this hit in an array of their own, for the rarer paths of a hit that reads the pass in place. */
export function slotValues(pass: readonly unknown[], slots: Int32Array): unknown[] {
  const values = new Array<unknown>(slots.length);
  readSlots(pass, slots, values);
  return values;
}

/** Whether the site passes every root as a value: a hit may then read root r as `pass[slots[r]]`. */
export function allPassed(slots: Int32Array): boolean {
  for (let r = 0; r < slots.length; r++) if (slots[r]! <= 0) return false;
  return true;
}
