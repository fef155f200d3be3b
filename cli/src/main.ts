#!/usr/bin/env node
import { createContext } from './context.js';
import { CliError } from './errors.js';
import { dropOutputOfClosedPipes, processIo } from './io.js';
import { buildProgram } from './program.js';

dropOutputOfClosedPipes();
try {
  await buildProgram(createContext(processIo)).parseAsync(process.argv);
} catch (err) {
  // Expected failures get their message; anything else is a bug, so the stack helps.
  const lines = err instanceof CliError ? err.lines() : [err instanceof Error ? (err.stack ?? err.message) : String(err)];
  for (const line of lines) processIo.err(`error: ${line}`);
  process.exitCode = 1;
}
