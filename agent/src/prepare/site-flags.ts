/**
 * The values of a prepared site's flag (`$lpS[n]`) beyond off (0) and on (1), shared by the
 * transform, which writes the tests into every site, and the main thread, which sets them.
 * Only the main thread writes either; the worker's 1 (an action turned on) takes over at once.
 */

/**
 * Every action on the site is a plain counter, which reads no value, in a file whose sites
 * construct `$lpC` for it (one prepared at build time by a transform before COUNT_IN_PLACE):
 * the site passes its number, not its bindings, and its hit allocates only `new $lpC`'s receiver.
 */
export const COUNT_ONLY = 2;

/**
 * Every action on the site is a plain counter, in a file whose sites add one to their own count
 * in `$lpK` for it: no call, no allocation; the worker reads the counts (main/prepared-registry.ts).
 * A value of its own, not COUNT_ONLY: an older agent sets 2 on such a file's sites, which then
 * take the `$lpH` path, slower but counted.
 */
export const COUNT_IN_PLACE = 3;
