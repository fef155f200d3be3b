/**
 * Reads one of the agent's own files through a small buffer. Node reads a whole file into one
 * malloc block (readFileSync grows a string to twice the file's size on the way), and glibc,
 * once it frees an mmapped block, raises its mmap threshold to that block's size for the whole
 * process and for good: every malloc arena of the app then keeps up to twice that it freed
 * (docs/decisions.md, "The agent's files stay under glibc's mmap threshold"). Blocks of 64 KiB
 * stay under the threshold's start value (128 KiB); the text itself goes on V8's heap.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const PIECE_BYTES = 64 * 1024;

/** `file`'s text (UTF-8). */
export function readOwnFileText(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(PIECE_BYTES);
    const decoder = new StringDecoder('utf8');
    let text = '';
    for (let read = readSync(fd, buffer, 0, PIECE_BYTES, null); read > 0; read = readSync(fd, buffer, 0, PIECE_BYTES, null))
      text += decoder.write(read === PIECE_BYTES ? buffer : buffer.subarray(0, read));
    return text + decoder.end();
  } finally {
    closeSync(fd);
  }
}
