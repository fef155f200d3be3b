import type { z } from 'zod';
import type { BodyIssue } from './errors.js';

/** Flattens zod issues to `{path, message}` with dotted paths; an unknown key becomes an issue at that key. */
export function toBodyIssues(error: z.ZodError): BodyIssue[] {
  return error.issues.flatMap((issue): BodyIssue[] => {
    const prefix = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...prefix, key].join('.'), message: 'unknown field' }));
    }
    // A record's bad key is reported as "Invalid key in record"; the key schema's own issues say why.
    const message =
      issue.code === 'invalid_key' && issue.issues.length > 0 ? issue.issues.map((inner) => inner.message).join('; ') : issue.message;
    return [{ path: prefix.length === 0 ? '(body)' : prefix.join('.'), message }];
  });
}

/** One line for a log: `path: message; path: message`. */
export function describeIssues(error: z.ZodError): string {
  return toBodyIssues(error)
    .map((issue) => `${issue.path}: ${issue.message}`)
    .join('; ');
}
