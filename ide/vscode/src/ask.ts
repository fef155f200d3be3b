/** Input steps for the add-action flows: each checks as the user types, with the server's own rules. */
import { defined } from '@liveprobe/protocol/util';
import * as vscode from 'vscode';
import { checkExpression, checkTemplate, ExpressionError, MetricName } from '@liveprobe/protocol';

/** Resolves with the text, '' for a skipped optional step, or undefined when the user pressed Escape. */
export function ask(
  title: string,
  prompt: string,
  validate: (text: string) => string | undefined,
  options: { value?: string; optional?: boolean; placeHolder?: string } = {},
): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt: options.optional === true ? `${prompt} (optional: Enter to skip)` : prompt,
    value: options.value ?? '',
    ignoreFocusOut: true,
    ...defined({ placeHolder: options.placeHolder }),
    validateInput: (text) => (options.optional === true && text.trim() === '' ? undefined : validate(text)),
  });
}

function checker(check: (source: string) => unknown): (text: string) => string | undefined {
  return (text) => {
    try {
      check(text);
      return undefined;
    } catch (err) {
      if (err instanceof ExpressionError) return err.message;
      throw err;
    }
  };
}

export const validTemplate = checker(checkTemplate);
export const validExpression = checker(checkExpression);

/** Watch expressions separated by `;`, which no expression can contain. */
export const validWatches = (text: string): string | undefined => {
  for (const [i, part] of splitWatches(text).entries()) {
    const problem = validExpression(part);
    if (problem !== undefined) return `watch ${i + 1}: ${problem}`;
  }
  return undefined;
};

export function splitWatches(text: string): string[] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export const validMetricName = (text: string): string | undefined => {
  const parsed = MetricName.safeParse(text);
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
};

/** `100`, `30m` or `100 30m`: a hit limit, an expiry, or both. */
export function parseLimits(text: string): { maxHits?: number; expiresIn?: string } | string {
  const out: { maxHits?: number; expiresIn?: string } = {};
  for (const word of text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')) {
    if (/^\d+$/.test(word)) out.maxHits = Number(word);
    else if (/^(\d+[smhd])+$/.test(word)) out.expiresIn = word;
    else return `\`${word}\` is neither a hit limit (a whole number) nor an expiry (30s, 15m, 2h, 1h30m, up to 7d)`;
  }
  return out;
}

export const validLimits = (text: string): string | undefined => {
  const parsed = parseLimits(text);
  return typeof parsed === 'string' ? parsed : undefined;
};
