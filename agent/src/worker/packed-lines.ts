/**
 * Log hits as the main thread packs them (bridge.ts PackedLogs), back into lines: a line the
 * main thread formatted comes whole; a template's line is joined here from its pieces and the
 * values packed for it (numbers print here, anything else came as text, bounded and redacted
 * on the main thread), which takes that work off the app's thread.
 */
import type { HitOutput, PackedLogs } from '../bridge.js';
import { EMITTED, type Header, IN_TRACE, NOT_LIVE, readHeader } from '../log-header.js';

export function unpackLines({ numbers, texts, formats }: PackedLogs, each: (hit: HitOutput) => void): void {
  const pieces = new Map(formats);
  const header: Header = { head: Number.NaN, format: 0, key: 0, flags: 0 };
  let text = 0;
  for (let i = 0; i < numbers.length; ) {
    i = readHeader(numbers, i, header);
    const { format, key, flags } = header;
    const time = numbers[i++]!;
    // Every hit gets one object of one shape (trace fields undefined outside a trace): no object
    // for the trace ids, no spread, and the worker's code that reads hits sees a single shape.
    let traceId: string | undefined;
    let spanId: string | undefined;
    let traceFlags: number | undefined;
    if ((flags & IN_TRACE) !== 0) {
      traceFlags = numbers[i++] ?? 0;
      traceId = texts[text++]!;
      spanId = texts[text++]!;
    }
    let message: string;
    if (format === 0) message = texts[text++]!;
    else {
      const around = pieces.get(format);
      // Each batch carries the pieces of the templates it uses; without them the rest of the
      // batch cannot be read (how many values follow is unknown), and the worker must not throw.
      if (around === undefined) return;
      message = around[0]!;
      for (let p = 1; p < around.length; p++) {
        const value = numbers[i++];
        // NaN, or null through JSON: the value came as text.
        message += `${typeof value === 'number' && value === value ? value : texts[text++]!}${around[p]!}`;
      }
    }
    each({ key, time, message, emitted: (flags & EMITTED) !== 0, live: (flags & NOT_LIVE) === 0, traceId, spanId, traceFlags });
  }
}
