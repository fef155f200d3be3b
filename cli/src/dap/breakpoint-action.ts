/**
 * A DAP source breakpoint as a liveprobe action: a log message makes a log action, no log message
 * a snapshot; `condition` is the action's condition and `hitCondition` its hit limit. Expressions
 * are checked here with the server's own checker, so a bad one is refused before any request.
 */
import { defined } from '@liveprobe/protocol/util';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { checkExpression, checkTemplate, ExpressionError, type ActionInput } from '@liveprobe/protocol';
import { BREAKPOINT_TERMS } from './breakpoint-terms.js';

export interface Targeting {
  tags: string[];
  agents: string[];
  expiresIn?: string;
}

export class BreakpointRefused extends Error {}

export function actionForBreakpoint(
  bp: DebugProtocol.SourceBreakpoint,
  file: string,
  lineText: string | undefined,
  target: Targeting,
): ActionInput {
  const common = {
    file,
    line: bp.line,
    tags: target.tags,
    agents: target.agents,
    ...defined({ expiresIn: target.expiresIn }),
    ...(lineText === undefined || lineText.trim() === '' ? {} : { lineText: lineText.slice(0, 1000) }),
    ...(hasText(bp.condition) ? { condition: checked(BREAKPOINT_TERMS.condition, bp.condition, checkExpression) } : {}),
    ...(hasText(bp.hitCondition) ? { maxHits: hitLimit(bp.hitCondition) } : {}),
  };
  if (hasText(bp.logMessage)) return { type: 'log', ...common, template: checked(BREAKPOINT_TERMS.template, bp.logMessage, checkTemplate) };
  return { type: 'snapshot', ...common };
}

/** What makes two breakpoints on a line the same action. */
export function breakpointKey(bp: DebugProtocol.SourceBreakpoint): string {
  return JSON.stringify([bp.line, bp.logMessage ?? '', bp.condition ?? '', bp.hitCondition ?? '']);
}

function hasText(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

/** `condition "a = 3": …`, as a refusal by the control plane reads (field-terms.ts). */
function checked(term: string, source: string, check: (source: string) => unknown): string {
  try {
    check(source);
    return source;
  } catch (err) {
    if (err instanceof ExpressionError) throw new BreakpointRefused(`${term} "${source}": ${err.message}`);
    throw err;
  }
}

function hitLimit(text: string): number {
  const match = /^\s*(?:<=|==)?\s*(\d+)\s*$/.exec(text);
  const n = match === null ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new BreakpointRefused(
      `${BREAKPOINT_TERMS.maxHits} "${text}": liveprobe takes a hit limit, a whole number from 1, e.g. \`10\` to stop after 10 hits`,
    );
  }
  return n;
}
