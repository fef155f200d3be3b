/**
 * Words and limits of an agent's status reports, apart from their schemas (agent.ts): the agent
 * uses them before it has loaded zod, which it loads only once a desired state arrives.
 */

/** How many files left untouched a prepare summary names; the rest are only counted. */
export const PREPARE_FAILURES_LISTED = 20;

/**
 * Ends the message of an `error` status whose action still waits for its script to load (it
 * installs when one matches): tools tell "waiting" from "refused" by it.
 */
export const WAITING_FOR_SCRIPT = '(it will install if such a script loads)';
