#!/usr/bin/env node
import { createContext } from './context.js';
import { jsonFailures, reportFailure } from './failure.js';
import { dropOutputOfClosedPipes, processIo } from './io.js';
import { buildProgram } from './program.js';

dropOutputOfClosedPipes();
const program = buildProgram(createContext(processIo));
const json = jsonFailures(program, process.argv);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = reportFailure(processIo, err, json());
}
