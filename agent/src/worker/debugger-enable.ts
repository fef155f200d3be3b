/**
 * What the agent's sessions pass to `Debugger.enable`. Each breakpoint condition V8 evaluates is
 * a script of its own; with no cache for collected scripts, the inspector forgets each one once
 * V8 has collected it, instead of holding ~0.7 KiB per hit until the session closes
 * (docs/architecture.md §8).
 */
export const DEBUGGER_ENABLE = { maxScriptsCacheSize: 0 } as const;
