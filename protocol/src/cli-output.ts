/**
 * What the `liveprobe` command prints with `--json` when it fails: one document a script reads
 * on stdout instead of the human `error: …` lines (those still go to stderr), exit status 1.
 */
import { z } from 'zod';

export const CliErrorIssue = z.object({
  field: z.string().meta({ description: 'the request body field the control plane refused, e.g. `watches.0`' }),
  option: z.string().optional().meta({ description: 'the option or argument that set it, e.g. `--watch` or `<template>`' }),
  message: z.string(),
});
export type CliErrorIssue = z.infer<typeof CliErrorIssue>;

export const CliErrorOutput = z.object({
  error: z.object({
    code: z.string().meta({
      description:
        'stable machine-readable code: the control plane’s (invalid_body, not_found, unauthenticated, …) or the CLI’s (usage, unreachable, refused, internal, …)',
    }),
    message: z.string().meta({ description: 'what went wrong and what to do about it, as the human output says it' }),
    issues: z.array(CliErrorIssue).optional().meta({ description: 'for a refused request body: each field at fault' }),
  }),
});
export type CliErrorOutput = z.infer<typeof CliErrorOutput>;
