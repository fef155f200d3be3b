// An edit applied to a stored action: checked as the whole action would be on create, so an
// edit cannot make an action that a create would refuse (a snapshot past 1000 hits, a
// template on a counter).
import { defined } from '@liveprobe/protocol/util';
import { Action, ActionInput, parseDuration, PATCH_FIELD_TYPES, type ActionPatch } from '@liveprobe/protocol';
import { toBodyIssues } from '../body-issues.js';
import { InvalidBodyError, type BodyIssue } from '../errors.js';
import type { StoredAction } from '../store/store.js';

export function applyPatch(current: StoredAction, patch: ActionPatch, now: Date): Action {
  const { expiredAt: _expiredAt, ...stored } = current;
  const misplaced: BodyIssue[] = Object.entries(PATCH_FIELD_TYPES)
    .filter(([field, types]) => patch[field as keyof ActionPatch] !== undefined && !types.includes(current.type))
    .map(([field, types]) => ({
      path: field,
      message: `only ${types.join(' and ')} actions have \`${field}\`; ${current.id} is a ${current.type} action`,
    }));
  if (current.type === 'exception' && patch.condition !== undefined) {
    misplaced.push({
      path: 'condition',
      message: `exception actions have no condition; narrow ${current.id} with errorType, messagePattern or files`,
    });
  }
  if (misplaced.length > 0) throw new InvalidBodyError(misplaced);

  const { enabled, expiresIn, ...fields } = patch;
  const edited: Record<string, unknown> = { ...stored, ...fields, updatedAt: now.toISOString() };
  // `null` takes an optional field away: a condition, or an exception action's type, message or file filter.
  for (const [field, value] of Object.entries(fields)) if (value === null) delete edited[field];
  // Expiry counts from the edit; ActionPatch has already checked that it parses.
  if (expiresIn !== undefined) edited.expiresAt = new Date(now.getTime() + (parseDuration(expiresIn) as number)).toISOString();
  if (enabled === false) edited.enabled = false;
  else if (enabled === true) delete edited.enabled;

  const checked = ActionInput.safeParse(asInput(edited, expiresIn));
  if (!checked.success) throw new InvalidBodyError(toBodyIssues(checked.error));
  return Action.parse(edited);
}

/** The create body this action would have come from, to run the create's checks on it. */
function asInput(action: Record<string, unknown>, expiresIn: string | undefined): Record<string, unknown> {
  const { id: _id, createdAt: _c, expiresAt: _e, enabled: _en, updatedAt: _u, ...input } = action;
  // A duration named by its function is stored at line 0, which a create body leaves out.
  if (input.type === 'duration' && input.function !== undefined) delete input.line;
  // An exception action is stored at '' line 0: it has no place in code.
  if (input.type === 'exception') {
    delete input.file;
    delete input.line;
  }
  return { ...input, ...defined({ expiresIn }) };
}
