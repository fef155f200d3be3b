import { statSync } from 'node:fs';

/** Whether `path` is a folder; false when it is not there. */
export function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
