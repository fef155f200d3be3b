/**
 * The desired-state check as it runs inside the worker's throwaway context
 * (desired-state-checker.ts): agent/scripts/bundle-agent.mjs bundles this file alone, with zod
 * and every action's schema, into one script that defines `checkDesiredState` on the context's
 * global. Text goes in and text comes out, so no object of that context's realm outlives it.
 */
import { DesiredState } from '@liveprobe/protocol';

/** The parsed desired state (defaults filled in) as JSON, or why it is refused. */
export type DesiredStateCheck = { ok: true; json: string } | { ok: false; issues: string };

function checkDesiredState(text: string): DesiredStateCheck {
  const parsed = DesiredState.safeParse(JSON.parse(text));
  if (parsed.success) return { ok: true, json: JSON.stringify(parsed.data) };
  return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}

(globalThis as { checkDesiredState?: typeof checkDesiredState }).checkDesiredState = checkDesiredState;
