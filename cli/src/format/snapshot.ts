import type { SnapshotRecord } from '@liveprobe/protocol';
import type { NamedValue, OuterFrame, ScopeCapture, StackFrame } from '@liveprobe/protocol';
import { leftOutNote, reasonsOnce } from '@liveprobe/protocol/value-tree';
import { formatValueTree } from './captured-value.js';
import { formatFields } from './table.js';
import { relativeTime } from './time.js';

/** `liveprobe snapshots show`: where and when, the stack, then every captured value as a tree. */
export function formatSnapshot(record: SnapshotRecord, now: Date): string[] {
  const { snapshot } = record;
  const { location } = snapshot;
  const fields: Array<[string, string]> = [
    ['snapshot', record.id],
    ['action', record.actionId],
    ['agent', record.agentId],
    ['time', `${record.time} (${relativeTime(record.time, now)})`],
    ['location', `${location.file}:${location.line}${location.function === undefined ? '' : ` in ${functionName(location.function)}`}`],
    ['stall', `${formatMs(snapshot.stallMs)} (the app's main thread, for this capture)`],
    ['size', `${formatBytes(snapshot.bytes)}${snapshot.truncated ? '; truncated: a size limit cut some values short' : ''}`],
  ];
  const thrown = snapshot.exception;
  if (thrown !== undefined) {
    fields.push(['error', `${thrown.type}: ${thrown.message}${thrown.rejection === true ? ' (unhandled rejection)' : ''}`]);
    for (const cause of thrown.causes) fields.push(['caused by', `${cause.type}: ${cause.message}`]);
  }
  if (snapshot.traceId !== undefined)
    fields.push(['trace', `${snapshot.traceId}${snapshot.spanId === undefined ? '' : ` span ${snapshot.spanId}`}`]);
  return [
    ...formatFields(fields),
    '',
    'stack',
    ...formatStack(snapshot.stack),
    '',
    ...section('arguments', snapshot.arguments),
    '',
    ...section('locals', snapshot.locals),
    ...snapshot.scopes.flatMap((scope) => ['', ...scopeSection(scope)]),
    '',
    ...(snapshot.this === undefined ? ['this <not captured>'] : formatValueTree('this = ', snapshot.this)),
    ...(snapshot.frames ?? []).flatMap(outerFrame),
    ...(snapshot.watches.length === 0
      ? []
      : [
          '',
          'watches',
          ...snapshot.watches.flatMap((watch) =>
            watch.value !== undefined
              ? formatValueTree(`${watch.expression} = `, watch.value, '  ')
              : [`  ${watch.expression}  ! ${watch.error ?? 'no value and no error reported'}`],
          ),
        ]),
  ];
}

function formatStack(stack: readonly StackFrame[]): string[] {
  if (stack.length === 0) return ['  (not captured)'];
  const names = stack.map((frame) => functionName(frame.function));
  const width = Math.max(...names.map((name) => name.length));
  return stack.map((frame, i) => `  ${(names[i] ?? '').padEnd(width)}  ${frame.file}:${frame.line}:${frame.column}`);
}

/** A caller of the throw site (exception snapshots), its values indented under it. */
function outerFrame(frame: OuterFrame, i: number): string[] {
  const { location } = frame;
  const indent = (lines: string[]) => lines.map((line) => `  ${line}`);
  return [
    '',
    `caller ${i + 1}: ${functionName(location.function ?? '')}  ${location.file}:${location.line}`,
    ...indent(section('arguments', frame.arguments)),
    ...indent(section('locals', frame.locals)),
    ...(frame.scopes ?? []).flatMap((scope) => indent(scopeSection(scope))),
    ...(frame.this === undefined ? [] : indent(formatValueTree('this = ', frame.this))),
  ];
}

function section(title: string, variables: readonly NamedValue[]): string[] {
  if (variables.length === 0) return [`${title} (none)`];
  return [title, ...reasonsOnce(variables).flatMap((variable) => formatValueTree(`${variable.name} = `, variable.value, '  '))];
}

/** A scope's values, and how many of its names were not read (a bundle's module scope) and how to see one. */
function scopeSection(scope: ScopeCapture): string[] {
  const owner = scope.name === undefined ? '' : ` (${scope.name})`;
  const title = `${scope.kind} scope${owner}`;
  if (scope.leftOut === undefined) return section(title, scope.variables);
  const note = `  … ${leftOutNote(scope.leftOut, '`--watch <name>`')}`;
  return scope.variables.length === 0 ? [title, note] : [...section(title, scope.variables), note];
}

function functionName(name: string): string {
  return name === '' ? '(anonymous)' : name;
}

function formatMs(ms: number): string {
  return `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms`;
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(1)} KB`;
}
