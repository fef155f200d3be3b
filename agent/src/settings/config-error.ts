/** The agent's configuration cannot be used as given; the message names the setting and the fix. */
export class AgentConfigError extends Error {
  readonly code = 'invalid_agent_config';
  override name = 'AgentConfigError';
}
