import { stat } from 'node:fs/promises';

/** Whether `path` is a file, not a folder (Next.js builds a route named like a file, `app/favicon.ico`, into a folder of that name); false when it is not there. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
