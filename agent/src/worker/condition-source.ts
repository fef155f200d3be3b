/**
 * The JavaScript V8 evaluates as a breakpoint condition: it reads the named variables in the
 * paused frame (each guarded, since V8 may not have kept it), calls the main thread's hook
 * and returns false, so the breakpoint never pauses.
 */
import { HOOK_KEY } from '../bridge.js';

export function conditionSource(key: number, roots: readonly string[], usesThis: boolean): string {
  // `roots` are identifiers the expression parser accepted, so they are safe to splice in.
  const reads = roots.map((name) => `try { $lp$v.push(${name}); } catch { $lp$v.push($lp$h.NA); }`).join(' ');
  return (
    `(() => { const $lp$h = globalThis[Symbol.for(${JSON.stringify(HOOK_KEY)})]; ` +
    `if ($lp$h === undefined) return false; const $lp$v = []; ${reads} ` +
    `$lp$h.hit(${key}, $lp$v, ${usesThis ? 'this' : 'undefined'}); return false; })()`
  );
}
