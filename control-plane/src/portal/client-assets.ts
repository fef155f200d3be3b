import { readFile } from 'node:fs/promises';

/** Where tsc puts the compiled browser modules: beside this file, in `client/`. */
const CLIENT_DIR = new URL('./client/', import.meta.url);
/** Only the compiled modules themselves; the name cannot climb out of the folder. */
const MODULE_NAME = /^[a-z][a-z0-9-]*\.js$/;

/** The portal's browser modules, read from disk once each and kept in memory. */
export class ClientAssets {
  private readonly cache = new Map<string, Promise<string | undefined>>();

  read(name: string): Promise<string | undefined> {
    if (!MODULE_NAME.test(name)) return Promise.resolve(undefined);
    let text = this.cache.get(name);
    if (text === undefined) {
      text = readFile(new URL(name, CLIENT_DIR), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      this.cache.set(name, text);
    }
    return text;
  }
}
