/**
 * The values of a prepared site's flag (`$lpS[n]`) beyond off (0) and on (1), shared by the
 * transform, which writes the test into every site, and the main thread, which sets them.
 */

/**
 * Every action on the site is a plain counter, which reads no value: the site passes its number,
 * not its bindings, and its hit allocates nothing. Only the main thread writes it
 * (main/prepared-registry.ts); the worker's 1 (an action turned on) takes over at once.
 */
export const COUNT_ONLY = 2;
