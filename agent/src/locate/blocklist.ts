/**
 * Files, functions and variable names no action may read, from the agent's own configuration.
 * The worker checks each action before arming it; the control plane cannot lift a rule.
 */
import type { Expr } from '@liveprobe/protocol';
import type { ArmProbe } from '../bridge.js';
import { agentFileAmong, AgentFileError } from './agent-files.js';
import { globToRegExp, namePatternToRegExp, normalizePath } from './glob.js';

export interface BlocklistSettings {
  /** Path globs (`src/auth/**`, `**\/secrets.js`). */
  files: string[];
  /** Function names, `*` as a wildcard (`login`, `*Password*`). */
  functions: string[];
  /** Variable and property names, exact. */
  variables: string[];
}

/** What an action touches at its line. */
export interface BlocklistTarget {
  /** Every name the file goes by: as the user wrote it, the loaded script, the original source. */
  files: readonly string[];
  functionName?: string;
  /** Its condition, template placeholders, watch and metric expressions. */
  expressions: readonly Expr[];
}

export class BlockedByAgentError extends Error {
  readonly code = 'blocked_by_agent';
  override name = 'BlockedByAgentError';
  constructor(
    /** The rule that matched, as configured: `files: src/auth/**`. */
    readonly rule: string,
    what: string,
  ) {
    super(
      `${what} is blocked by this agent's configuration (blocklist rule ${rule}); the agent never reads it, whatever the control plane asks. Probe another line, or change the agent's LIVEPROBE_BLOCK_* settings or the \`block\` section of its LIVEPROBE_CONFIG file`,
    );
  }
}

export class Blocklist {
  private readonly files: { pattern: string; regex: RegExp }[];
  private readonly functions: { pattern: string; regex: RegExp }[];
  private readonly variables: ReadonlySet<string>;

  constructor(
    private readonly settings: BlocklistSettings,
    private readonly onCheck?: (target: BlocklistTarget) => void,
  ) {
    this.files = settings.files.map((pattern) => ({ pattern, regex: globToRegExp(pattern) }));
    this.functions = settings.functions.map((pattern) => ({ pattern, regex: namePatternToRegExp(pattern) }));
    this.variables = new Set(settings.variables);
  }

  /**
   * The same rules, telling `onCheck` what each check was about: the engine keeps the targets
   * of an installed action, to check them again when the agent's configuration changes.
   */
  recording(onCheck: (target: BlocklistTarget) => void): Blocklist {
    return new Blocklist(this.settings, onCheck);
  }

  /** Throws AgentFileError for the agent's own files, else BlockedByAgentError naming the first rule the action breaks. */
  check(target: BlocklistTarget): void {
    this.onCheck?.(target);
    const own = agentFileAmong(target.files);
    if (own !== undefined) throw new AgentFileError(own);
    for (const file of target.files) {
      const path = normalizePath(file);
      const rule = this.files.find((r) => r.regex.test(path));
      if (rule !== undefined) throw new BlockedByAgentError(`files: \`${rule.pattern}\``, `file \`${file}\``);
    }
    if (target.functionName !== undefined) {
      const name = target.functionName;
      const rule = this.functions.find((r) => r.regex.test(name));
      if (rule !== undefined) throw new BlockedByAgentError(`functions: \`${rule.pattern}\``, `function \`${name}\``);
    }
    for (const expr of target.expressions) {
      const name = namesRead(expr).find((n) => this.variables.has(n));
      if (name !== undefined) throw new BlockedByAgentError(`variables: \`${name}\``, `variable \`${name}\``);
    }
  }

  /** For snapshots, which read every variable in scope: a blocked one is left out, not captured. */
  isBlockedVariable(name: string): boolean {
    return this.variables.has(name);
  }
}

/** Identifiers and literal property names an expression reads (`user.password` reads both). */
export function namesRead(expr: Expr): string[] {
  const names: string[] = [];
  const visit = (e: Expr): void => {
    switch (e.k) {
      case 'id':
        names.push(e.name);
        return;
      case 'member':
        visit(e.object);
        if (e.property.k === 'lit' && typeof e.property.v === 'string') names.push(e.property.v);
        else visit(e.property);
        return;
      case 'unary':
        visit(e.arg);
        return;
      case 'binary':
      case 'logical':
        visit(e.left);
        visit(e.right);
        return;
      case 'cond':
        visit(e.test);
        visit(e.then);
        visit(e.else);
        return;
      case 'array':
        e.items.forEach(visit);
        return;
      case 'helper':
        e.args.forEach(visit);
        return;
      case 'method':
        visit(e.target);
        e.args.forEach(visit);
        return;
      case 'lit':
      case 'bigint':
      case 'undef':
      case 'this':
        return;
    }
  };
  visit(expr);
  return names;
}

/** Every expression an armed action evaluates: its condition, template placeholders, watches, metric value and attributes. */
export function armedExpressions(fields: Pick<ArmProbe, 'condition' | 'log' | 'snapshot' | 'metric'>): Expr[] {
  const out: Expr[] = [];
  if (fields.condition !== undefined) out.push(fields.condition);
  for (const part of fields.log?.template ?? []) if ('expr' in part) out.push(part.expr);
  for (const watch of fields.snapshot?.watches ?? []) out.push(watch.expr);
  if (fields.metric?.value !== undefined) out.push(fields.metric.value.expr);
  for (const attribute of fields.metric?.attributes ?? []) out.push(attribute.expr);
  return out;
}
