/** Runs prepared CommonJS in this process with a recording `$lp`, for transform tests. */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';
import { prepareSource } from '../../../agent/src/prepare/transform.js';
import { siteNamesOf, type PreparedOutput } from '../../../agent/src/prepare/prepared-output.js';

export type FlagMode = 'off' | 'functions' | 'sites' | 'inline sites';

export interface Hit {
  site: number;
  self: unknown;
  scope: Record<string, unknown>;
}

/** What an exception site recorded: at a `throw` statement or in the `catch` around a function's body. */
export interface Thrown {
  at: 'throw' | 'catch';
  error: unknown;
  line: number;
  self: unknown;
  scope: Record<string, unknown>;
}

export interface Loaded {
  exports: unknown;
  /** The first hits (bounded); `counts.hits` counts them all. */
  hits: Hit[];
  /** Exception sites' records (flag mode `sites`), in the order they ran. */
  thrown: Thrown[];
  counts: { hits: number };
  prepared: PreparedOutput;
}

const MAX_RECORDED_HITS = 10_000;

export const TEST_HEADER =
  'const $lp = __lp, $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H, $lpC = $lp.C, $lpK = $lp.K, $lpX = $lp.X, $lpT = $lp.T, $lpW = $lp.W;';

/** What a lazily passed binding reads as while in its temporal dead zone. */
export const IN_TDZ = '<in its TDZ>';

export function prepareCommonJs(source: string): PreparedOutput {
  return prepareSource(source, { kind: 'commonjs', header: TEST_HEADER });
}

/** `functions`: every twin runs; `sites`: every twin runs and every site (twin or inline) fires; `inline sites`: every site fires and no twin runs (an arrow's copy in a twinned function's original body). */
export function loadPrepared(source: string, filename: string, mode: FlagMode, prepared = prepareCommonJs(source)): Loaded {
  const hits: Hit[] = [];
  const thrown: Thrown[] = [];
  const counts = { hits: 0 };
  const F = new Uint8Array(prepared.functions).fill(mode === 'off' || mode === 'inline sites' ? 0 : 1);
  const S = new Uint8Array(prepared.sites.length / 3).fill(mode === 'sites' || mode === 'inline sites' ? 1 : 0);
  // Exception sites record with every site: `[line, this, kinds, name, value, …]`.
  const X = [mode === 'sites' ? 1 : 0];
  const record = (at: Thrown['at'], error: unknown, pass: unknown[]): void => {
    if (thrown.length < MAX_RECORDED_HITS) thrown.push({ at, error, line: pass[0] as number, self: pass[1], scope: scopeOf(pass, 3) });
  };
  const T = function T(pass: unknown[]): void {
    record('catch', pass[0], pass.slice(1));
  };
  // Constructed (`new $lpW(error, pass)`): gives back the error object, throws a primitive itself.
  const W = function W(error: unknown, pass: unknown[] | 0): unknown {
    if (pass !== 0) record('throw', error, pass);
    if ((typeof error === 'object' && error !== null) || typeof error === 'function') return error;
    throw error;
  };
  // A site passes `[site, this, value, …]`, its names listed in the output's siteNames.
  const H = function H(pass: unknown[]): void {
    if (counts.hits++ >= MAX_RECORDED_HITS) return;
    const site = pass[0] as number;
    const names = siteNamesOf(prepared.siteNames, site);
    hits.push({
      site,
      self: pass[1],
      scope: scopeOf(
        names.flatMap((name, i) => [name, pass[i + 2]]),
        0,
      ),
    });
  };
  return { exports: runCommonJs(prepared.code, filename, { __lp: { F, S, H, X, T, W } }), hits, thrown, counts, prepared };
}

/** A site's bindings by name from `from` on; a `*name` comes with a reader, read now as an action would. */
function scopeOf(pass: unknown[], from: number): Record<string, unknown> {
  const scope: Record<string, unknown> = {};
  for (let i = from; i < pass.length; i += 2) {
    const key = pass[i] as string;
    if (!key.startsWith('*')) scope[key] = pass[i + 1];
    else {
      try {
        scope[key.slice(1)] = (pass[i + 1] as () => unknown)();
      } catch {
        scope[key.slice(1)] = IN_TDZ;
      }
    }
  }
  return scope;
}

export function loadOriginal(source: string, filename: string): unknown {
  return runCommonJs(source, filename, {});
}

function runCommonJs(code: string, filename: string, extra: Record<string, unknown>): unknown {
  const module = { exports: {} as unknown };
  const names = ['exports', 'require', 'module', '__filename', '__dirname', ...Object.keys(extra)];
  const fn = compileFunction(code.replace(/^#!.*/, ''), names, { filename });
  fn.call(module.exports, module.exports, createRequire(filename), module, filename, dirname(filename), ...Object.values(extra));
  return module.exports;
}
