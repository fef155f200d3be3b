/**
 * A source map's `mappings` string, written segment by segment as base64 VLQ. The composed map
 * of a prepared file has a segment per token of its input; building a small array per segment
 * and encoding them afterwards made the map cost more than the rest of the build step's own work
 * on small files (docs/PREPARE.md, the speed section), so segments go straight into bytes here.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = Uint8Array.from(BASE64, (c) => c.charCodeAt(0));
const COMMA = 44;
const SEMICOLON = 59;
/** The digits of the largest field: 32 bits and a sign, five bits a digit. */
const MAX_FIELD = 7;

export class MappingsWriter {
  private bytes = new Uint8Array(4096);
  private length = 0;
  /** Columns restart on each line; the other fields run on across lines, as the format has it. */
  private column = 0;
  private lineHasSegment = false;
  private source = 0;
  private sourceLine = 0;
  private sourceColumn = 0;
  private name = 0;

  /** A segment with a source position; `name` < 0 for none. */
  segment(column: number, source: number, sourceLine: number, sourceColumn: number, name: number): void {
    this.generatedOnly(column);
    this.reserve(4 * MAX_FIELD);
    this.field(source - this.source);
    this.field(sourceLine - this.sourceLine);
    this.field(sourceColumn - this.sourceColumn);
    this.source = source;
    this.sourceLine = sourceLine;
    this.sourceColumn = sourceColumn;
    if (name < 0) return;
    this.field(name - this.name);
    this.name = name;
  }

  /** A segment that maps its column to no source. */
  generatedOnly(column: number): void {
    this.reserve(1 + MAX_FIELD);
    if (this.lineHasSegment) this.bytes[this.length++] = COMMA;
    this.lineHasSegment = true;
    this.field(column - this.column);
    this.column = column;
  }

  nextLine(): void {
    this.reserve(1);
    this.bytes[this.length++] = SEMICOLON;
    this.column = 0;
    this.lineHasSegment = false;
  }

  toString(): string {
    return Buffer.from(this.bytes.buffer, 0, this.length).toString('latin1');
  }

  /** A signed value: its sign in the lowest bit, then five bits per digit, lowest first. */
  private field(value: number): void {
    let rest = value < 0 ? (-value << 1) | 1 : value << 1;
    do {
      let digit = rest & 31;
      rest >>>= 5;
      if (rest > 0) digit |= 32;
      this.bytes[this.length++] = DIGIT[digit]!;
    } while (rest > 0);
  }

  /** Room for `count` more bytes, checked once per segment rather than per byte. */
  private reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + count));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}
