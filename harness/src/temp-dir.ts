// Temporary directories that their owner removes, with retries for helpers still writing into them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function tempDir(prefix = 'liveprobe-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  // A browser's helper processes can still be writing into its profile as the browser exits: retry.
  return { path, remove: () => rm(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }) };
}
