/** `tag:demo, agent:api-7`: the same words the control plane's log uses. */
export function formatTargets(target: { tags: readonly string[]; agents: readonly string[] }): string {
  return [...target.tags.map((t) => `tag:${t}`), ...target.agents.map((a) => `agent:${a}`)].join(', ');
}
