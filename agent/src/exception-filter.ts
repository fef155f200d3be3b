/**
 * Which exception actions want a thrown error (on both install paths: the worker's exception
 * watch, and the app thread's exception sites in prepared files), checked before anything is captured: the error's
 * class (or a base class), its message, and at most `ratePerMinute` captures a minute for each
 * distinct stack, the way error trackers group errors by a fingerprint of their stack.
 */
import type { ExceptionAction } from '@liveprobe/protocol';
import { globToRegExp, normalizePath } from './locate/glob.js';

/** What the agent learned about the thrown value without running any of the app's code. */
export interface ThrownSummary {
  /** The class name, then its base classes' (TypeError, Error). */
  types: string[];
  message: string;
}

/** How many stacks each action remembers; the oldest is forgotten first. */
const MAX_FINGERPRINTS = 1000;
const MINUTE_MS = 60_000;

export function wants(action: Pick<ExceptionAction, 'errorType' | 'messagePattern'>, thrown: ThrownSummary): boolean {
  if (action.errorType !== undefined && !thrown.types.includes(action.errorType)) return false;
  if (action.messagePattern !== undefined && !patternOf(action.messagePattern).test(thrown.message)) return false;
  return true;
}

/** Whether the throw site's file (after source maps) matches one of the action's globs, if it has any. */
export function inFiles(action: Pick<ExceptionAction, 'files'>, file: string): boolean {
  if (action.files === undefined) return true;
  const path = normalizePath(file);
  return action.files.some((glob) => globOf(glob).test(path));
}

const globs = new Map<string, RegExp>();
function globOf(glob: string): RegExp {
  let pattern = globs.get(glob);
  if (pattern === undefined) {
    pattern = globToRegExp(glob);
    globs.set(glob, pattern);
  }
  return pattern;
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
