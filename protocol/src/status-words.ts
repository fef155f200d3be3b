/**
 * Words and limits of an agent's status reports, apart from their schemas (agent.ts): the agent
 * uses them without zod, which it loads only to check a desired state, in a context of its own.
 */

/** How many files left untouched a prepare summary names; the rest are only counted. */
export const PREPARE_FAILURES_LISTED = 20;

/**
 * Ends the message of a `pending` status: the action waits for its script to load and installs
 * when one matches. The state says it to tools; these words say it to people.
 */
export const WAITING_FOR_SCRIPT = '(it will install if such a script loads)';

/**
 * Says why an action on a line outside every function hits at most once: the Node.js agent adds
 * it to the `installed` message, the Python agent (whose modules have run by the time it sees
 * them) to its refusal, in these same words.
 */
export const TOP_LEVEL_CODE = 'is top-level code of its file, which runs once, as the file loads';
