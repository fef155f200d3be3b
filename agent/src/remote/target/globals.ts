/**
 * The `process` and `Buffer` globals the probe hook uses, injected by the bundler: the real
 * ones in a Node target, small equivalents in a page.
 */
import { nodeProcess } from './platform.js';

const start = performance.now();

const pageProcess = {
  hrtime: { bigint: (): bigint => BigInt(Math.round((performance.now() - start) * 1e6)) },
};

const encoder = new TextEncoder();
const pageBuffer = { byteLength: (text: string): number => encoder.encode(text).length };

const nodeGlobals = globalThis as { process?: unknown; Buffer?: unknown };

export const process = (nodeProcess === undefined ? pageProcess : nodeGlobals.process) as NodeJS.Process;
export const Buffer = (
  nodeProcess === undefined || nodeGlobals.Buffer === undefined ? pageBuffer : nodeGlobals.Buffer
) as typeof globalThis.Buffer;
