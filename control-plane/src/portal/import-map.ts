/**
 * The page's import map: browser modules import shared code by its package name, as the CLI
 * does, and the browser fetches it from the portal. The map is an inline script, so the
 * Content-Security-Policy allows exactly this text by its hash and no other inline script.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/** Package modules the portal serves to the browser; each runs there as compiled (no run-time imports). */
const SHARED_MODULES = {
  '@liveprobe/protocol/value-tree': 'value-tree.js',
  '@liveprobe/protocol/metric-reading': 'metric-reading.js',
} as const;

export const SHARED_MODULE_PREFIX = '/assets/shared/';

export const IMPORT_MAP = JSON.stringify({
  imports: Object.fromEntries(Object.entries(SHARED_MODULES).map(([specifier, name]) => [specifier, `${SHARED_MODULE_PREFIX}${name}`])),
});

export const IMPORT_MAP_CSP_SOURCE = `'sha256-${createHash('sha256').update(IMPORT_MAP).digest('base64')}'`;

const resolve = createRequire(import.meta.url).resolve;

/** Where a shared module's compiled file is on disk, by its name under SHARED_MODULE_PREFIX; undefined for any other name. */
export function sharedModulePath(name: string): string | undefined {
  const specifier = Object.entries(SHARED_MODULES).find(([, file]) => file === name)?.[0];
  return specifier === undefined ? undefined : resolve(specifier);
}
