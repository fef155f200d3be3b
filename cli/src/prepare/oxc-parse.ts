/**
 * oxc-parser behind the transform's parser interface, for `liveprobe prepare` only (the agent in
 * an app keeps acorn: decisions.md). Where oxc's raw transfer works (Node 22 or later on a 64-bit
 * little-endian machine) its AST reaches JavaScript from one shared buffer instead of as JSON to
 * rebuild, which made the whole transform markedly cheaper than on acorn's AST. Elsewhere (Node
 * 20) the choice depends on how much a thread prepares: acorn is JavaScript that V8 compiles as
 * it runs, a warm-up of about half a second of CPU that several MB of input repay, while oxc's
 * AST rebuilt from JSON costs more per MB but warms up nothing; so a small tree parses with
 * oxc-parser and a large one with acorn (the crossover measured in docs/BENCHMARKS.md, cold prepare speed). Where the
 * package's native binding is missing, acorn. Whichever parses, the prepared output is the same,
 * byte for byte (scripts/prepare-identity.mjs and test/node-versions). The report names the
 * parser, so a slow build on Node 20 says why.
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

/**
 * Below this much input per thread, Node 20 parses with oxc-parser's JSON AST rather than acorn:
 * acorn's JIT warm-up costs more than rebuilding the JSON (docs/BENCHMARKS.md, cold prepare speed).
 */
export const OXC_JSON_MAX_BYTES_PER_THREAD = 6 * 1024 * 1024;

/** The parser `liveprobe prepare` uses, as its report names it. */
export interface ParserChoice {
  /** `oxc-parser`: its AST handed over as JSON (Node 20, a small tree). */
  name: 'oxc-raw-transfer' | 'oxc-parser' | 'acorn';
  /** Why not oxc-parser's raw transfer, and what would enable it. */
  reason?: string;
}

export interface ChosenParser {
  choice: ParserChoice;
  /** undefined: prepare with acorn. */
  parse?: SourceParser;
}

let loaded: Promise<OxcParser | string> | undefined;

/** oxc-parser, or why it cannot load. */
function oxcParser(): Promise<OxcParser | string> {
  loaded ??= import('oxc-parser' as string).then(
    (oxc) => oxc as OxcParser,
    // No binding for this platform: acorn gives the same output.
    () => `oxc-parser has no native binding installed for ${process.platform}-${process.arch}`,
  );
  return loaded;
}

/** undefined where raw transfer does not work (Node 20): the transform then parses with acorn. */
export async function oxcRawParser(): Promise<SourceParser | undefined> {
  const oxc = await oxcParser();
  return typeof oxc === 'string' || !oxc.rawTransferSupported() ? undefined : parserOf(oxc, true);
}

/** The parser for a thread that prepares `bytesPerThread` of input (the same answer in every thread of a run). */
export async function chooseParser(bytesPerThread: number): Promise<ChosenParser> {
  const oxc = await oxcParser();
  if (typeof oxc === 'string') return { choice: { name: 'acorn', reason: oxc } };
  if (oxc.rawTransferSupported()) return { choice: { name: 'oxc-raw-transfer' }, parse: parserOf(oxc, true) };
  const noRaw = `oxc-parser's raw transfer needs Node 22 or later on a 64-bit machine (this is Node ${process.versions.node})`;
  if (bytesPerThread < OXC_JSON_MAX_BYTES_PER_THREAD)
    return {
      choice: {
        name: 'oxc-parser',
        reason: `${noRaw}; under ${OXC_JSON_MAX_BYTES_PER_THREAD / 1048576} MB per thread its AST as JSON is quicker than acorn's warm-up; the output is the same`,
      },
      parse: parserOf(oxc, false),
    };
  return { choice: { name: 'acorn', reason: `${noRaw}; the output is the same, only slower to make` } };
}

function parserOf(oxc: OxcParser, rawTransfer: boolean): SourceParser {
  return (source, kind) => {
    const result = oxc.parseSync(kind === 'module' ? 'input.mjs' : 'input.cjs', source, {
      sourceType: kind,
      preserveParens: false,
      // No `range` array per node: the transform reads `start` and `end`, and the arrays cost ~8% of its CPU (allocation and GC).
      range: false,
      ...(rawTransfer ? { experimentalRawTransfer: true } : {}),
    });
    if (result.errors.length > 0) throw new SyntaxError(result.errors[0]!.message);
    return { program: result.program, comments: result.comments };
  };
}
