/**
 * oxc-parser behind the transform's parser interface, for `liveprobe prepare` only (the agent in
 * an app keeps acorn: decisions.md). Used where oxc's raw transfer works (Node 22 or later on a
 * 64-bit little-endian machine): its AST reaches JavaScript from one shared buffer instead of as
 * JSON to rebuild, which made the whole transform markedly cheaper than on acorn's AST. Elsewhere
 * (Node 20), or where the package's native binding is missing, the transform parses with acorn:
 * either way the prepared output is the same, byte for byte (scripts/prepare-identity.mjs and
 * test/node-versions). The report names the parser, so a slow build on Node 20 says why.
 */
import type { ParsedSource, SourceParser } from '@liveprobe/agent/prepare';

interface OxcResult {
  program: ParsedSource['program'];
  comments: ParsedSource['comments'];
  errors: { message: string }[];
}

interface OxcParser {
  parseSync(file: string, source: string, options: object): OxcResult;
  rawTransferSupported(): boolean;
}

/** The parser `liveprobe prepare` uses on this Node, as its report names it. */
export interface ParserChoice {
  name: 'oxc-raw-transfer' | 'acorn';
  /** Why acorn and not oxc-parser's raw transfer, and what would enable it. */
  reason?: string;
}

let chosen: Promise<{ choice: ParserChoice; parse?: SourceParser }> | undefined;

/** Which parser prepares files in this process (the same answer in its worker threads). */
export async function parserChoice(): Promise<ParserChoice> {
  return (await choose()).choice;
}

/** undefined: prepare with acorn. */
export async function oxcRawParser(): Promise<SourceParser | undefined> {
  return (await choose()).parse;
}

function choose(): Promise<{ choice: ParserChoice; parse?: SourceParser }> {
  chosen ??= load();
  return chosen;
}

async function load(): Promise<{ choice: ParserChoice; parse?: SourceParser }> {
  let oxc: OxcParser;
  try {
    oxc = (await import('oxc-parser' as string)) as OxcParser;
  } catch {
    // No binding for this platform: acorn gives the same output.
    return { choice: { name: 'acorn', reason: `oxc-parser has no native binding installed for ${process.platform}-${process.arch}` } };
  }
  if (!oxc.rawTransferSupported())
    return {
      choice: {
        name: 'acorn',
        reason: `oxc-parser's raw transfer needs Node 22 or later on a 64-bit machine (this is Node ${process.versions.node}); the output is the same, only slower to make`,
      },
    };
  const parse: SourceParser = (source, kind) => {
    const result = oxc.parseSync(kind === 'module' ? 'input.mjs' : 'input.cjs', source, {
      sourceType: kind,
      preserveParens: false,
      range: true,
      experimentalRawTransfer: true,
    });
    if (result.errors.length > 0) throw new SyntaxError(result.errors[0]!.message);
    return { program: result.program, comments: result.comments };
  };
  return { choice: { name: 'oxc-raw-transfer' }, parse };
}
