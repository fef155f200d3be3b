"""An action of a type this agent does not run (a type from a newer control plane) is refused at
once with why: it never waits for a file, and never installs at a line to run as something else."""
import pytest

from liveprobe_agent.agent import Agent
from liveprobe_agent.config import read_config


@pytest.fixture
def agent():
    made = Agent(read_config({'LIVEPROBE_AGENT_ID': 'unit-test', 'LIVEPROBE_LOG_LEVEL': 'silent'}))
    statuses: list[dict] = []
    made.link.publish_status = statuses.append  # type: ignore[method-assign]
    made.statuses = statuses  # type: ignore[attr-defined]
    yield made
    made.engine.close()
    made.engine.mechanism.close()


COMMON = {'tags': ['t'], 'agents': [], 'maxHits': 100, 'createdAt': '2026-01-01T00:00:00Z', 'expiresAt': '2099-01-01T00:00:00Z'}


@pytest.mark.parametrize(('action', 'message'), [
    ({'type': 'profile', 'file': __file__, 'line': 5},
     'the Python agent has no `profile` actions; is the control plane newer than the agent?'),
], ids=['a newer type'])
def test_an_action_of_a_type_the_agent_does_not_run_is_refused_with_why(agent, action, message) -> None:
    agent.engine.reconcile([{'id': 'act_x', **COMMON, **action}])
    assert [(s['actionId'], s['state'], s['message']) for s in agent.statuses] == [('act_x', 'error', message)]
    assert agent.engine.waiting == {} and agent.engine.installed == {}
