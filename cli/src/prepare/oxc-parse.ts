/**
 * oxc-parser behind the transform's parser interface, for `liveprobe prepare` only (the agent in
 * an app keeps acorn: decisions.md). Used where oxc's raw transfer works (Node 22 or later on a
 * 64-bit little-endian machine): its AST reaches JavaScript from one shared buffer instead of as
 * JSON to rebuild, which made the whole transform markedly cheaper than on acorn's AST. Elsewhere
 * (Node 20), or where the package's native binding is missing, the transform parses with acorn:
 * either way the prepared output is the same, byte for byte (scripts/prepare-identity.mjs).
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

/** undefined: prepare with acorn. */
export async function oxcRawParser(): Promise<SourceParser | undefined> {
  let oxc: OxcParser;
  try {
    oxc = (await import('oxc-parser' as string)) as OxcParser;
    if (!oxc.rawTransferSupported()) return undefined;
  } catch {
    // No binding for this platform: acorn gives the same output.
    return undefined;
  }
  return (source, kind) => {
    const result = oxc.parseSync(kind === 'module' ? 'input.mjs' : 'input.cjs', source, {
      sourceType: kind,
      preserveParens: false,
      range: true,
      experimentalRawTransfer: true,
    });
    if (result.errors.length > 0) throw new SyntaxError(result.errors[0]!.message);
    return { program: result.program, comments: result.comments };
  };
}
