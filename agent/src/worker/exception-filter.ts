/**
 * Which exception actions want a thrown error, checked before anything is captured: the error's
 * class (or a base class), its message, and at most `ratePerMinute` captures a minute for each
 * distinct stack, the way error trackers group errors by a fingerprint of their stack.
 */
import type { ExceptionAction } from '@liveprobe/protocol';

/** What the agent learned about the thrown value without running any of the app's code. */
export interface ThrownSummary {
  /** The class name, then its base classes' (TypeError, Error). */
  types: string[];
  message: string;
}

/** How many stacks each action remembers; the oldest is forgotten first. */
const MAX_FINGERPRINTS = 1000;
const MINUTE_MS = 60_000;

export function wants(action: ExceptionAction, thrown: ThrownSummary): boolean {
  if (action.errorType !== undefined && !thrown.types.includes(action.errorType)) return false;
  if (action.messagePattern !== undefined && !patternOf(action.messagePattern).test(thrown.message)) return false;
  return true;
}

const patterns = new Map<string, RegExp>();
function patternOf(source: string): RegExp {
  let pattern = patterns.get(source);
  if (pattern === undefined) {
    // The control plane checked it compiles; an agent that receives one that does not matches nothing.
    try {
      pattern = new RegExp(source);
    } catch {
      pattern = /(?!)/;
    }
    patterns.set(source, pattern);
  }
  return pattern;
}

/** A stack's fingerprint: the generated positions of its frames, which stay the same from one throw to the next. */
export function fingerprint(frames: readonly { url: string; location: { lineNumber: number; columnNumber?: number } }[]): string {
  return frames
    .slice(0, 20)
    .map((f) => `${f.url}:${f.location.lineNumber}:${f.location.columnNumber ?? 0}`)
    .join('|');
}

/** Captures per minute for each (action, stack). */
export class StackRate {
  private readonly recent = new Map<string, number[]>();

  take(actionId: string, stack: string, perMinute: number, now: number): boolean {
    const key = `${actionId} ${stack}`;
    const times = (this.recent.get(key) ?? []).filter((t) => now - t < MINUTE_MS);
    if (times.length >= perMinute) {
      this.recent.set(key, times);
      return false;
    }
    times.push(now);
    this.recent.delete(key);
    this.recent.set(key, times);
    if (this.recent.size > MAX_FINGERPRINTS) this.recent.delete(this.recent.keys().next().value!);
    return true;
  }

  forget(actionId: string): void {
    for (const key of this.recent.keys()) if (key.startsWith(`${actionId} `)) this.recent.delete(key);
  }
}
