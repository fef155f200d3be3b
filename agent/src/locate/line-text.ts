/**
 * "Deployed source differs here": when the user's editor sent the line's text, the agent
 * compares it with the code it is about to probe, so an action never lands on the wrong
 * statement of a different build.
 */
import { readFile } from 'node:fs/promises';
import type { ScriptSourceMap } from './source-maps.js';
import type { AnalysedSource } from './source-analysis.js';

/** Where the action resolved to: the user's file, through the script's source map if it has one. */
interface ResolvedFile {
  file: string;
  map: ScriptSourceMap | undefined;
}

export class SourceDiffersError extends Error {
  readonly code = 'source_differs';
  override name = 'SourceDiffersError';
}

const normalize = (text: string): string => text.trim().replace(/\s+/g, ' ');

/** Throws SourceDiffersError on a mismatch; says nothing when the deployed text cannot be read. */
export async function checkLineText(
  expected: string,
  line: number,
  resolved: ResolvedFile,
  analysed: AnalysedSource | undefined,
): Promise<void> {
  const text = await deployedText(resolved, analysed);
  if (text === undefined) return;
  const actual = text.split('\n')[line - 1] ?? '';
  if (normalize(actual) === normalize(expected)) return;
  throw new SourceDiffersError(
    `deployed source differs at ${resolved.file}:${line}: the running code has \`${normalize(actual).slice(0, 200)}\` where you expect \`${normalize(expected).slice(0, 200)}\`; deploy the code you are reading, or name the line as deployed`,
  );
}

async function deployedText(resolved: ResolvedFile, analysed: AnalysedSource | undefined): Promise<string | undefined> {
  if (resolved.map === undefined) return analysed?.source;
  const embedded = resolved.map.sourceContent(resolved.file);
  if (embedded !== undefined) return embedded;
  return readFile(resolved.file, 'utf8').catch(() => undefined);
}
