/** Runs prepared CommonJS in this process with a recording `$lp`, for transform tests. */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { compileFunction } from 'node:vm';
import { prepareSource } from '../../../agent/src/prepare/transform.js';
import type { PreparedOutput } from '../../../agent/src/prepare/prepared-output.js';

export type FlagMode = 'off' | 'functions' | 'sites';

export interface Hit {
  site: number;
  self: unknown;
  scope: Record<string, unknown>;
}

export interface Loaded {
  exports: unknown;
  /** The first hits (bounded); `counts.hits` counts them all. */
  hits: Hit[];
  counts: { hits: number };
  prepared: PreparedOutput;
}

const MAX_RECORDED_HITS = 10_000;

export const TEST_HEADER = 'const $lp = __lp, $lpF = $lp.F, $lpS = $lp.S, $lpH = $lp.H;';

/** What a lazily passed binding reads as while in its temporal dead zone. */
export const IN_TDZ = '<in its TDZ>';

export function prepareCommonJs(source: string): PreparedOutput {
  return prepareSource(source, { kind: 'commonjs', header: TEST_HEADER });
}

/** `functions`: every twin runs; `sites`: every twin runs and every site (twin or inline) fires. */
export function loadPrepared(source: string, filename: string, mode: FlagMode, prepared = prepareCommonJs(source)): Loaded {
  const hits: Hit[] = [];
  const counts = { hits: 0 };
  const F = new Uint8Array(prepared.functions).fill(mode === 'off' ? 0 : 1);
  const S = new Uint8Array(prepared.sites.length / 3).fill(mode === 'sites' ? 1 : 0);
  const H = function H(pass: unknown[]): void {
    if (counts.hits++ >= MAX_RECORDED_HITS) return;
    // `[site, this, name, value, …]`; a `*name` comes with a reader, read now as an action would.
    const scope: Record<string, unknown> = {};
    for (let i = 2; i < pass.length; i += 2) {
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
    hits.push({ site: pass[0] as number, self: pass[1], scope });
  };
  return { exports: runCommonJs(prepared.code, filename, { __lp: { F, S, H } }), hits, counts, prepared };
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
