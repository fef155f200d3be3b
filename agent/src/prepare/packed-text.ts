/**
 * A position table packed (packed-table.ts) as text, which a file prepared at build time carries
 * (build-data.ts): the packed bytes, little-endian, in base64. As the file binds, Node decodes it
 * straight into shared memory, one copy with no work per entry in JavaScript, where packing the
 * table's object cost the app's thread 17.5 ms for typescript.js's (table16 to build17).
 */
import { packInto, packTable, type PackedTable } from './packed-table.js';

// Captured before the app runs, which may replace these globals; Buffer is absent in a page (a
// remote hook's bundle), where no file prepared at build time binds.
const Bytes = typeof Buffer === 'function' ? Buffer : undefined;
const bufferOf = Bytes?.from;
const write = Bytes?.prototype.write;
const swap32 = Bytes?.prototype.swap32;
const apply = Reflect.apply;
const I32 = Int32Array;
const Shared = SharedArrayBuffer;
/** The text is little-endian, as every machine V8 runs on is but s390x. */
const BIG_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 0;

/** A position table not in shared memory: its object, or a build-prepared file's packed text. */
export type UnpackedTable = Readonly<Record<number, readonly number[]>> | string;

/** `table` packed, as text. At build time only. */
export function packedText(table: Readonly<Record<number, readonly number[]>>): string {
  const bytes = Buffer.from(packInto(table, (size) => new ArrayBuffer(size)).buffer);
  if (BIG_ENDIAN) bytes.swap32();
  return bytes.toString('base64');
}

/**
 * The table packedText wrote, in shared memory; undefined when that memory cannot be had (worth
 * trying again later), null when the text is not one (a damaged file: never).
 */
export function unpackText(text: string): PackedTable | undefined | null {
  if (Bytes === undefined) return null;
  const length = text.length;
  const padding = text[length - 1] !== '=' ? 0 : text[length - 2] === '=' ? 2 : 1;
  const bytes = (length / 4) * 3 - padding;
  // Whole int32s, at least the two of an empty table.
  if (length % 4 !== 0 || bytes % 4 !== 0 || bytes < 8) return null;
  let shared: SharedArrayBuffer;
  try {
    shared = new Shared(bytes);
  } catch {
    return undefined;
  }
  const view = apply(bufferOf!, Bytes, [shared]) as Buffer;
  // Node skips what is not base64: a damaged text decodes short.
  if (apply(write!, view, [text, 0, bytes, 'base64']) !== bytes) return null;
  if (BIG_ENDIAN) apply(swap32!, view, []);
  const packed = new I32(shared);
  const lines = packed[0]!;
  return lines >= 0 && 2 + 2 * lines <= packed.length && packed[1 + 2 * lines] === packed.length ? packed : null;
}

/** `table` in shared memory, decoded or packed; undefined or null as for unpackText (packTable: undefined). */
export function sharedTable(table: UnpackedTable): PackedTable | undefined | null {
  return typeof table === 'string' ? unpackText(table) : packTable(table);
}
