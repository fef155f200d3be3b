/**
 * Behaviour unchanged: real npm libraries prepared in full give byte-identical output to the
 * original with every flag off, every twin running, and every site firing.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../helpers/index.js';
import { loadOriginal, loadPrepared, prepareCommonJs, type FlagMode } from './prepared-module.js';

const MODES: FlagMode[] = ['off', 'functions', 'sites'];

/** Every README under node_modules, a few MB of real-world markdown. */
function markdownCorpus(): string {
  const dir = join(repoRoot, 'node_modules');
  const parts: string[] = [];
  for (const name of readdirSync(dir)) {
    for (const file of ['README.md', 'readme.md']) {
      try {
        parts.push(readFileSync(join(dir, name, file), 'utf8'));
        break;
      } catch {
        // no readme
      }
    }
    if (parts.length >= 150) break;
  }
  return parts.join('\n\n');
}

test('marked prepared in full renders a large corpus identically in every flag mode', () => {
  const file = join(repoRoot, 'node_modules/marked/lib/marked.cjs');
  const source = readFileSync(file, 'utf8');
  const prepared = prepareCommonJs(source);
  const twins = prepared.functionsReport.filter((f) => f.mode === 'twin').length;
  assert.ok(twins > 50, `expected many twins in marked, got ${twins}`);
  const input = markdownCorpus();
  assert.ok(input.length > 200_000, `corpus too small: ${input.length}`);
  const expected = (loadOriginal(source, file) as any).marked.parse(input);
  for (const mode of MODES) {
    const loaded = loadPrepared(source, file, mode, prepared);
    assert.equal((loaded.exports as any).marked.parse(input), expected, `marked, flags ${mode}`);
    if (mode === 'sites') assert.ok(loaded.counts.hits > 100_000, `every site fires: ${loaded.counts.hits} hits`);
    else assert.equal(loaded.counts.hits, 0);
  }
});

test('acorn (a UMD bundle) prepared in full parses its own source to the identical tree in every flag mode', () => {
  const file = join(repoRoot, 'node_modules/acorn/dist/acorn.js');
  const source = readFileSync(file, 'utf8');
  const prepared = prepareCommonJs(source);
  assert.ok(
    prepared.functionsReport.some((f) => f.reason === 'module factory'),
    'the UMD factory is not twinned',
  );
  const input = source + '\n' + readFileSync(join(repoRoot, 'node_modules/marked/lib/marked.cjs'), 'utf8');
  const options = { ecmaVersion: 'latest', sourceType: 'script', locations: true };
  const expected = JSON.stringify((loadOriginal(source, file) as any).parse(input, options));
  for (const mode of MODES) {
    const loaded = loadPrepared(source, file, mode, prepared);
    assert.equal(JSON.stringify((loaded.exports as any).parse(input, options)), expected, `acorn, flags ${mode}`);
  }
});
