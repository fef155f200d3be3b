/**
 * A position table packed (packed-table.ts) as text, which a file prepared at build time carries
 * (build-data.ts), as it does its sites: the packed bytes, little-endian, in base64. As the file binds, Node decodes it
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
  return intsText(packInto(table, (size) => new ArrayBuffer(size)));
}

/** `ints` as text: little-endian, in base64 (a build-prepared file's sites, build-data.ts). At build time only. */
export function intsText(ints: Int32Array): string {
  const bytes = Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength);
  if (BIG_ENDIAN) bytes.swap32();
  const text = bytes.toString('base64');
  if (BIG_ENDIAN) bytes.swap32();
  return text;
}

/** How many int32s intsText wrote into `text`, counted from its length; -1 when it is no such text. */
export function intsIn(text: string): number {
  const length = text.length;
  const padding = length === 0 || text[length - 1] !== '=' ? 0 : text[length - 2] === '=' ? 2 : 1;
  const bytes = (length / 4) * 3 - padding;
  return length % 4 !== 0 || bytes % 4 !== 0 ? -1 : bytes / 4;
}

/**
 * The table packedText wrote, in shared memory; undefined when that memory cannot be had (worth
 * trying again later), null when the text is not one (a damaged file: never).
 */
export function unpackText(text: string): PackedTable | undefined | null {
  // At least the two int32s of an empty table.
  const packed = intsIn(text) < 2 ? null : sharedInts(text);
  if (!packed) return packed;
  const lines = packed[0]!;
  return lines >= 0 && 2 + 2 * lines <= packed.length && packed[1 + 2 * lines] === packed.length ? packed : null;
}

/**
 * The int32s intsText wrote, in shared memory: Node decodes them there, with no work per entry in
 * JavaScript. undefined when that memory cannot be had, null when the text is not one (damaged).
 */
export function sharedInts(text: string): Int32Array | undefined | null {
  const ints = intsIn(text);
  if (Bytes === undefined || ints < 0) return null;
  const bytes = ints * 4;
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
  return new I32(shared);
}

/** `table` in shared memory, decoded or packed; undefined or null as for unpackText (packTable: undefined). */
export function sharedTable(table: UnpackedTable): PackedTable | undefined | null {
  return typeof table === 'string' ? unpackText(table) : packTable(table);
}
