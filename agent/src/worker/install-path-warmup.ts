/**
 * Runs the worker's part of an install once on a sample of code, with no action and nothing asked
 * of the app's thread: the script's parse and scope analysis (acorn and locate/scopes), an action's
 * arm fields and its breakpoint condition, the statement and function around the line. V8 compiles
 * each of those functions the first time it runs; in the first install that was ~45 M of the
 * worker's ~128 M instructions, beside V8's optimizing compiler on its helper threads, on the cores
 * the app's thread waits for (docs/BENCHMARKS.md, install stall). With the inspector session open
 * from start-up the app has chosen to pay at start-up, so the worker pays this then (worker.ts),
 * and the first install costs about what an install again does.
 */
import type { Action } from '@liveprobe/protocol';
import { armAcross, armFields } from '../locate/arm-spec.js';
import { functionNameAt, topLevelAt } from '../locate/function-name.js';
import { analyseSource, offsetOf, positionOf } from '../locate/source-analysis.js';
import { statementStartAt } from '../locate/statement-start.js';
import { suspendedCallAt, throwKindAt } from '../locate/throw-statement.js';
import { conditionAt } from './condition-source.js';

/**
 * Code of the kinds apps are written in (a module with classes, async functions, generators,
 * destructuring, loops, try/catch, templates), so that most of the parser and the scope analysis
 * runs; each `// at` line takes the sample actions.
 */
function sample(): string {
  return `import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
const require = globalThis.require;
export const LIMIT = 10 ** 3;
let hits = 0, last = null;
export class Store extends Map {
  #items = [];
  static kind = 'store';
  constructor(name, { size = 1, ...rest } = {}) {
    super();
    this.name = name ?? \`store-\${size}\`;
    this.rest = rest;
  }
  get size2() { return this.#items.length; }
  async load(file) {
    try {
      const text = await readFile(path.join('.', file), 'utf8'); // at
      for (const [i, line] of text.split(/\\r?\\n/).entries()) {
        if (!line || line.startsWith('#')) continue;
        this.#items.push({ i, line, ok: i % 2 === 0 ? true : false });
      }
    } catch (err) {
      throw new Error(\`cannot load \${file}: \${err?.message}\`, { cause: err }); // at
    } finally {
      hits += 1;
    }
    return this;
  }
  *[Symbol.iterator]() { yield* this.#items; }
}
export default async function handler(req, res) {
  const { query: { id } = {}, headers } = req;
  const store = new Store('orders', { size: LIMIT });
  label: for (let i = 0; i < 3; i++) {
    switch (typeof id) {
      case 'string': last = id; break label;
      default: continue;
    }
  }
  const found = [...store].filter((item) => item.ok && item.i > 0).map(({ line }) => line); // at
  res.end(JSON.stringify({ found, agent: headers['user-agent'], at: Date.now() })); // at
  return found.length > 0 ? found : void 0;
}
`;
}

/** On each `// at` line, a log action with a condition and a snapshot, as the control plane sends them. */
function sampleActions(): Action[] {
  return sample()
    .split('\n')
    .flatMap((text, index) => {
      if (!text.endsWith('// at')) return [];
      const stored = {
        file: 'warm-up.mjs',
        line: index + 1,
        tags: [],
        agents: [],
        maxHits: 1,
        createdAt: new Date(0).toISOString(),
        expiresAt: new Date(0).toISOString(),
      };
      return [
        {
          ...stored,
          id: `warm-up-log-${index + 1}`,
          type: 'log',
          condition: 'hits >= 0 && typeof last !== "number"',
          template: 'at {hits}: {last} of {this.name}',
          level: 'info',
        },
        { ...stored, id: `warm-up-snapshot-${index + 1}`, type: 'snapshot', watches: ['hits + 1'] },
      ] satisfies Action[];
    });
}

/** The sample actions as a desired state, for the desired-state check's own warm-up (desired-state-checker.ts): its actions' schemas run too. */
export function sampleState(): string {
  return JSON.stringify({ rev: 0, actions: sampleActions() });
}

/** The worker's install path, once, on the sample: what an install computes before it asks V8 for a breakpoint. */
export function warmInstallPath(): void {
  const analysed = analyseSource(sample());
  if (analysed === undefined) throw new Error('the warm-up sample does not parse');
  for (const [index, action] of sampleActions().entries()) {
    const offset = offsetOf(analysed, action.line);
    const fields = armAcross([armFields(action, analysed, offset)]);
    conditionAt(index + 1, { roots: fields.roots, usesThis: fields.usesThis }, analysed, offset, undefined, { breakpoint: true });
    functionNameAt(analysed, offset);
    topLevelAt(analysed, offset);
    throwKindAt(analysed, offset);
    suspendedCallAt(analysed, offset);
    statementStartAt(analysed, offset);
    positionOf(analysed, offset);
  }
}
