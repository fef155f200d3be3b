/**
 * The hot path of the agent's OTLP log encoding (log-encoding.ts): a request's bytes written into
 * one buffer sized beforehand, ASCII strings (log lines, mostly) measured and copied without a
 * call into C++, times as fixed64 nanoseconds without BigInt.
 */
import type { HrTime } from '@opentelemetry/api';

export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** A length-delimited field's size: tag (one byte: every field here is below 16), length, payload. */
export const fieldSize = (length: number): number => 1 + varintSize(length) + length;

/** UTF-8 length; an ASCII string (a log line, mostly) is measured without a call into C++. */
export function utf8Length(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text);
  return text.length;
}

export class Writer {
  pos = 0;
  constructor(readonly buffer: Buffer) {}

  varint(value: number): void {
    while (value >= 0x80) {
      this.buffer[this.pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.pos++] = value;
  }

  bytes(bytes: ArrayLike<number>): void {
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** `length` from utf8Length: equal to the string's length when it is ASCII, copied here without a call into C++. */
  string(text: string, length: number): void {
    this.varint(length);
    if (length === text.length) {
      const { buffer } = this;
      let pos = this.pos;
      for (let i = 0; i < length; i++) buffer[pos++] = text.charCodeAt(i);
      this.pos = pos;
    } else this.pos += this.buffer.write(text, this.pos, length, 'utf8');
  }

  /**
   * [seconds, nanoseconds] as fixed64 nanoseconds since the epoch, in doubles without BigInt:
   * seconds × 10⁹ is past 2⁵³, so it is taken in two parts that each stay exact.
   */
  time(tag: number, [seconds, nanos]: HrTime): void {
    const low16 = seconds % 65536;
    const upper = ((seconds - low16) / 65536) * 1e9; // × 2¹⁶ still to come
    const upperLow16 = upper % 65536;
    const rest = upperLow16 * 65536 + low16 * 1e9 + nanos;
    const lowWord = rest % 4294967296;
    this.buffer[this.pos++] = tag;
    this.buffer.writeUInt32LE(lowWord, this.pos);
    this.buffer.writeUInt32LE(((upper - upperLow16) / 65536 + (rest - lowWord) / 4294967296) >>> 0, this.pos + 4);
    this.pos += 8;
  }

  hex(tag: number, id: string): void {
    this.buffer[this.pos++] = tag;
    this.buffer[this.pos++] = id.length / 2;
    this.pos += this.buffer.write(id, this.pos, 'hex');
  }
}
