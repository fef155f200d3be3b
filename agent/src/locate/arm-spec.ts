/**
 * What the main thread needs to run one action at one breakpoint: the checked expressions,
 * for snapshots the variables in scope there, for metrics the breakpoint's role. The control
 * plane checked the expressions too; the agent never trusts what arrives over the broker.
 */
import { defined } from '@liveprobe/protocol/util';
import { checkExpression, checkTemplate, type Action } from '@liveprobe/protocol';
import type { ArmProbe, MetricArm } from '../bridge.js';
import { unboundNamesAt } from './generated-names.js';
import { assertNotInsideWith } from './global-names.js';
import { scopePlanAt } from './scope-plan.js';
import type { AnalysedSource } from './source-analysis.js';
import type { ScriptSourceMap } from './source-maps.js';

export type ArmFields = Pick<ArmProbe, 'roots' | 'unbound' | 'condition' | 'conditionSource' | 'log' | 'snapshot' | 'metric'> & {
  usesThis: boolean;
};

/** A metric breakpoint's part in its action: see MetricArm. */
export type MetricRole = Pick<MetricArm, 'role' | 'pair' | 'outcome' | 'at'>;

/**
 * Throws ExpressionError for an expression outside the language, UnsafeLineError for a line inside `with`.
 * `map`: the generated script's, when `analysed` is one: a snapshot names its variables as the user did.
 * Which roots are in their temporal dead zone is the caller's to say, by the names the code uses there.
 * `outer`: which names of the outer scopes a snapshot reads (scopePlanAt).
 */
export function armFields(
  action: Action,
  analysed: AnalysedSource | undefined,
  offset: number,
  role?: MetricRole,
  map?: ScriptSourceMap,
  outer: 'used' | 'all' = 'used',
): ArmFields {
  assertNotInsideWith(analysed, offset, action.line);
  const roots: string[] = [];
  const addRoots = (names: readonly string[]): void => {
    for (const name of names) if (!roots.includes(name)) roots.push(name);
  };
  const condition = action.condition === undefined ? undefined : checkExpression(action.condition);
  let usesThis = condition?.usesThis ?? false;
  const fields: ArmFields = {
    roots,
    usesThis,
    ...(condition === undefined ? {} : { condition: condition.expr, conditionSource: condition.source }),
  };
  addRoots(condition?.roots ?? []);
  switch (action.type) {
    case 'log': {
      const template = checkTemplate(action.template);
      addRoots(template.roots);
      usesThis ||= template.usesThis;
      fields.log = { level: action.level, template: template.parts, ...defined({ outputs: action.outputs }) };
      break;
    }
    case 'snapshot': {
      const watches = action.watches.map((source) => checkExpression(source));
      const plan = analysed === undefined ? { arguments: [], locals: [], scopes: [] } : scopePlanAt(analysed, offset, map, outer);
      addRoots(plan.arguments);
      addRoots(plan.locals);
      for (const scope of plan.scopes) addRoots(scope.variables);
      for (const watch of watches) addRoots(watch.roots);
      // A snapshot always shows `this`.
      usesThis = true;
      fields.snapshot = { plan, watches: watches.map((w) => ({ source: w.source, expr: w.expr })) };
      break;
    }
    case 'counter':
    case 'tictoc':
    case 'duration':
    case 'metric': {
      const attributes = Object.entries(action.attributes).map(([key, source]) => ({ key, source, check: checkExpression(source) }));
      for (const a of attributes) {
        addRoots(a.check.roots);
        usesThis ||= a.check.usesThis;
      }
      const value = action.type === 'metric' ? checkExpression(action.expression) : undefined;
      if (value !== undefined) {
        addRoots(value.roots);
        usesThis ||= value.usesThis;
      }
      fields.metric = {
        ...(role ?? { role: action.type === 'metric' ? 'value' : 'count' }),
        ...(value === undefined ? {} : { value: { source: value.source, expr: value.expr } }),
        attributes: attributes.map((a) => ({ key: a.key, source: a.source, expr: a.check.expr })),
      };
      break;
    }
  }
  fields.usesThis = usesThis;
  const unbound = unboundNamesAt(analysed, offset, roots, map);
  if (unbound.length > 0) fields.unbound = unbound;
  return fields;
}

/**
 * One arm for a line the script holds in several places, from each place's own fields (the
 * first place's first): its breakpoints read the names of every place (the first place's
 * roots keep their indexes), and a snapshot keeps each other place's plan, in order, for the
 * place number its condition passes after the values.
 */
export function armAcross([first, ...others]: [ArmFields, ...ArmFields[]]): ArmFields {
  if (others.length === 0) return first;
  const roots = [...first.roots];
  for (const other of others) for (const root of other.roots) if (!roots.includes(root)) roots.push(root);
  const usesThis = first.usesThis || others.some((o) => o.usesThis);
  const snapshot = first.snapshot && { ...first.snapshot, elsewhere: others.map((o) => o.snapshot!.plan) };
  // A root any place lacks: the error for a missing value says a minifier may have removed it.
  const unbound = [...new Set([first, ...others].flatMap((place) => place.unbound ?? []))];
  return { ...first, roots, usesThis, ...(snapshot === undefined ? {} : { snapshot }), ...(unbound.length > 0 ? { unbound } : {}) };
}

/** The action's own sampling rate, when it set one (log and snapshot actions). */
export function rateOf(action: Action): { ratePerSecond?: number } {
  return (action.type === 'log' || action.type === 'snapshot') && action.ratePerSecond !== undefined
    ? { ratePerSecond: action.ratePerSecond }
    : {};
}
