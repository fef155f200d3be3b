/**
 * Where an action's breakpoints go: one line for most actions, a tic and a toc line for
 * tic-toc, and for a function's duration its entry plus every return and `throw`.
 */
import { defined } from '@liveprobe/protocol/util';
import type { Action, DurationAction } from '@liveprobe/protocol';
import type { MetricRole } from '../locate/arm-spec.js';
import { functionAtPlaces, functionsNamed, type FunctionRange } from '../locate/function-range.js';
import { originalNames } from '../locate/original-names.js';
import type { InspectorSession, LoadedScript } from './inspector-session.js';
import { LocationError, type LocationResolver, type ResolvedLocation } from './location-resolver.js';
import { offsetOf, positionOf, type AnalysedSource } from '../locate/source-analysis.js';
import { separatePlaces } from '../locate/separate-places.js';
import { preparedWrappers, writtenEntry } from '../locate/prepared-wrappers.js';
import type { AstNode } from '../locate/ast-node.js';

export interface Site {
  resolved: ResolvedLocation;
  analysed: AnalysedSource | undefined;
  offset: number;
  role?: MetricRole;
  /** A duration's entry: the function it measures. */
  fn?: FunctionRange;
  /** Where the line it reports is, when not where it stops: a duration's entry reports the function's first statement (writtenEntry). */
  reportAt?: number;
  /** A duration's exit in code the prepare transform added (prepared-wrappers.ts): timed, yet not an exit the user wrote. */
  addedByPrepare?: true;
  /** The line's other generated places that run apart from this one (separate-places.ts): each takes a breakpoint too. */
  elsewhere: { generated: { line: number; column: number }; offset: number }[];
}

export interface SiteContext {
  locations: LocationResolver;
  session: InspectorSession;
  analysis(script: LoadedScript): Promise<AnalysedSource | undefined>;
  /** The other places a prepared file holds the code at a position in (twin-places.ts); none for other scripts. */
  copies(script: LoadedScript, analysed: AnalysedSource, at: { line: number; column: number }): Promise<{ line: number; column: number }[]>;
}

/** Tic and toc breakpoints of one action share a pair id; the action's first key is unique enough. */
export async function sitesFor(action: Action, pair: number, ctx: SiteContext): Promise<Site[]> {
  const at = (file: string, line: number, role?: MetricRole): Promise<Site[]> => sitesAt(ctx, file, line, role);
  switch (action.type) {
    case 'tictoc':
      return [
        onlyCopy(await at(action.file, action.line, { role: 'tic', pair })),
        onlyCopy(await at(action.toc.file ?? action.file, action.toc.line, { role: 'toc', pair })),
      ];
    case 'duration': {
      // Each copy of the function is timed on its own: its entry and its exits are in one script.
      const anchors = await at(action.file, action.function === undefined ? action.line : 1);
      return (await Promise.all(anchors.map((anchor) => durationSites(action, pair, ctx, anchor)))).flat();
    }
    default:
      return at(action.file, action.line);
  }
}

/**
 * A tic and its toc pair up by position within one script; with the line in several scripts
 * a toc could not tell which copy's tic it ends.
 */
function onlyCopy(sites: Site[]): Site {
  if (sites.length === 1) return sites[0]!;
  const { shown, line } = sites[0]!.resolved;
  throw new LocationError(
    `line ${line} of ${shown} was bundled into ${sites.length} loaded scripts (${sites.map((s) => s.resolved.script.path).join(', ')}), and a tic-toc times one copy: use a duration action on the function, which times every copy, or name one generated file`,
    false,
  );
}

/** Where a timing breakpoint runs: every action timed at the same position of a script shares it (invocation-timers.ts). */
export function positionKey({ resolved }: Site): string {
  return `${resolved.script.scriptId}:${resolved.generated.line}:${resolved.generated.column ?? ''}`;
}

async function sitesAt(ctx: SiteContext, file: string, line: number, role?: MetricRole): Promise<Site[]> {
  return Promise.all((await ctx.locations.resolve(file, line)).map((resolved) => siteIn(ctx, resolved, role)));
}

async function siteIn(ctx: SiteContext, resolved: ResolvedLocation, role?: MetricRole): Promise<Site> {
  const analysed = await ctx.analysis(resolved.script);
  if (analysed === undefined) return { resolved, analysed, offset: 0, elsewhere: [], ...defined({ role }) };
  const offset = offsetOf(analysed, resolved.generated.line, resolved.generated.column);
  const copies = (
    await Promise.all(
      [resolved.generated, ...resolved.elsewhere].map((p) =>
        ctx.copies(resolved.script, analysed, positionOf(analysed, offsetOf(analysed, p.line, p.column))),
      ),
    )
  ).flat();
  const others = [...resolved.elsewhere, ...copies].map((p) => offsetOf(analysed, p.line, p.column));
  const elsewhere = separatePlaces(analysed, offset, others).map((at) => ({ generated: positionOf(analysed, at), offset: at }));
  return { resolved, analysed, offset, elsewhere, ...defined({ role }) };
}

async function durationSites(
  action: Pick<DurationAction, 'function' | 'line'>,
  pair: number,
  ctx: SiteContext,
  anchor: Site,
): Promise<Site[]> {
  const { analysed, resolved } = anchor;
  if (analysed === undefined)
    throw new LocationError(`${resolved.script.path} could not be parsed, so its functions cannot be measured`, false);
  let fn: FunctionRange | undefined;
  if (action.function !== undefined) {
    const named = functionsNamed(analysed, action.function, resolved.map && originalNames(resolved.map, resolved.file, analysed));
    if (named.length > 1)
      throw new LocationError(
        `${named.length} functions are named \`${action.function}\` in ${resolved.script.path}; name the function by a line inside it instead`,
        false,
      );
    fn = named[0];
    if (fn === undefined)
      throw new LocationError(
        `no function named \`${action.function}\` in ${resolved.script.path}; use \`name\` or \`Class.method\`, or a line inside the function`,
        false,
      );
  } else {
    fn = functionAtPlaces(analysed, [anchor.offset, ...resolved.elsewhere.map((p) => offsetOf(analysed, p.line, p.column))]);
    if (fn === undefined) throw new LocationError(`line ${action.line} of ${resolved.shown} is not inside a function`, false);
  }
  const node = fn.node as unknown as AstNode;
  if (node.async === true && node.generator === true)
    throw new LocationError(
      `${fn.name} in ${resolved.shown} is an async generator: V8 never stops at its return position (Node 20 to 24), so no breakpoint can stop its timer, and a prepared site cannot either (its \`return\` awaits its value); time the lines you mean with a tic-toc action`,
      false,
    );
  const added = preparedWrappers(node);
  const site = (offset: number, role: MetricRole): Site => {
    const generated = positionOf(analysed, offset);
    // A duration measures one function: its entry and exits are positions of that function alone.
    return {
      ...anchor,
      offset,
      role,
      elsewhere: [],
      resolved: { ...resolved, generated, ...original(resolved, generated) },
      ...(added.some(([start, end]) => start <= offset && offset < end) ? { addedByPrepare: true as const } : {}),
    };
  };
  // An expression-bodied arrow returns at its end, past its body's closing parentheses (`() => ({…})`,
  // and the prepare transform's `(site, body)`), which the parsed body leaves out: up to it, inclusive.
  const through = node.body?.type === 'BlockStatement' ? fn.bodyEnd : node.end + 1;
  const exits = await ctx.session.returnPositions(resolved.script, positionOf(analysed, fn.bodyStart), positionOf(analysed, through));
  if (exits.length === 0 && fn.throws.length === 0)
    throw new LocationError(
      `V8 reports no return position in ${fn.name} in ${resolved.shown}, and it has no \`throw\` of its own, so nothing could stop its timer; time the lines you mean with a tic-toc action`,
      false,
    );
  return [
    {
      ...site(node.body?.type === 'BlockStatement' ? fn.entry : writtenEntry(node, fn.entry), { role: 'tic', pair }),
      fn,
      reportAt: writtenEntry(node, fn.entry),
    },
    ...exits.map((p) => site(offsetOf(analysed, p.line, p.column), { role: 'toc', pair, outcome: 'return' })),
    ...fn.throws.map((offset) => site(offset, { role: 'toc', pair, outcome: 'throw' })),
  ];
}

/** The user's file and line for a generated position. */
function original(resolved: ResolvedLocation, generated: { line: number; column: number }): { file: string; line: number } {
  if (resolved.map === undefined) return { file: resolved.script.path, line: generated.line };
  return { file: resolved.file, line: resolved.map.originalFor(generated.line, generated.column)?.line ?? resolved.line };
}
