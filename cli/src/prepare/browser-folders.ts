/**
 * Folders of a server build that hold the browser's files: an SSR framework's build puts the
 * client bundles beside the server's, and the server sends them as they are. Preparing them
 * changes what browsers get, and breaks it: Nitro serves its public files with the length it
 * recorded at build time (a prepared file, longer, was cut short at that length) and knows no
 * `….lp-flags.mjs` (a browser's import of it got a 404). No agent runs in a browser, so no
 * action could reach their lines anyway. `liveprobe prepare` copies them as they are.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isFolder } from './is-folder.js';

/** Why the folder `name` in `parent` holds a browser's files; undefined for any other folder. */
export function browserFolder(parent: string, name: string): string | undefined {
  // Nitro (Nuxt, Analog, SolidStart…) writes nitro.json beside its public folder (`.output/public`).
  if (name === 'public' && existsSync(join(parent, 'nitro.json')))
    return "Nitro's public files (beside nitro.json), which its server sends to browsers as built";
  // A Vite SSR build puts the client's bundles beside the server's: SvelteKit's adapter-node,
  // React Router 7 and Remix (`build/client`, `build/server`), Astro's node adapter (`dist/client`).
  if (name === 'client' && isFolder(join(parent, 'server')))
    return 'the client half of an SSR build (beside server/), whose files the server sends to browsers as built';
  return undefined;
}
