// The steps the install-step scripts measure: a log action installed and removed, twice (the first
// install opens what the agent opens on demand; the second finds it open or reopens it).
import { isStatus } from '../bench/dist/lib/control-plane-api.js';

/**
 * Runs `step(name, act)` for each install and each removal, with an `idle` step before each install
 * (`idle: 'each'`) or once before the first (`'once'`); `removal(install)` names a removal's step.
 */
export async function installCycle({
  step,
  api,
  events,
  file,
  line,
  agentId,
  timeoutMs = 30_000,
  idle = 'each',
  removal = () => 'removal',
}) {
  if (idle === 'once') await step('idle', async () => {});
  for (const install of ['first install', 'install again']) {
    if (idle === 'each') await step('idle', async () => {});
    let id = '';
    await step(install, async () => {
      id = await api.addAction({ type: 'log', file, line, template: 'never hit', agents: [agentId] });
      await api.waitForStatus(id, agentId, 'installed', timeoutMs);
    });
    await step(removal(install), async () => {
      await api.deleteAction(id);
      await events.waitFor(isStatus(id, 'removed'), timeoutMs, `the agent to remove ${id}`);
    });
  }
}
