/**
 * What the main thread needs to run one action at its line: the checked expressions, and for
 * snapshots the variables in scope there. The control plane checked the expressions too; the
 * agent never trusts what arrives over the broker.
 */
import { checkExpression, checkTemplate, type Action } from '@liveprobe/protocol';
import type { ArmProbe } from '../bridge.js';
import { scopePlanAt } from './scope-plan.js';
import type { AnalysedSource } from './source-analysis.js';

export type ArmFields = Pick<ArmProbe, 'roots' | 'condition' | 'conditionSource' | 'log' | 'snapshot'> & { usesThis: boolean };

/** Throws ExpressionError for an expression outside the language. */
export function armFields(action: Action, analysed: AnalysedSource | undefined, offset: number): ArmFields {
  const roots: string[] = [];
  const addRoots = (names: readonly string[]): void => {
    for (const name of names) if (!roots.includes(name)) roots.push(name);
  };
  const condition = action.condition === undefined ? undefined : checkExpression(action.condition);
  let usesThis = condition?.usesThis ?? false;
  const fields: ArmFields = { roots, usesThis, ...(condition === undefined ? {} : { condition: condition.expr, conditionSource: condition.source }) };
  addRoots(condition?.roots ?? []);
  switch (action.type) {
    case 'log': {
      const template = checkTemplate(action.template);
      addRoots(template.roots);
      usesThis ||= template.usesThis;
      fields.log = { level: action.level, template: template.parts };
      break;
    }
    case 'snapshot': {
      const watches = action.watches.map((source) => checkExpression(source));
      const plan = analysed === undefined ? { arguments: [], locals: [], scopes: [] } : scopePlanAt(analysed, offset);
      addRoots(plan.arguments);
      addRoots(plan.locals);
      for (const scope of plan.scopes) addRoots(scope.variables);
      for (const watch of watches) addRoots(watch.roots);
      // A snapshot always shows `this`.
      usesThis = true;
      fields.snapshot = { plan, watches: watches.map((w) => ({ source: w.source, expr: w.expr })) };
      break;
    }
  }
  fields.usesThis = usesThis;
  return fields;
}
