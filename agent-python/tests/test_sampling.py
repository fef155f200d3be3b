"""A log or snapshot action samples to its `ratePerSecond` within the agent's hit quota, as on a
Node prepared site: a hit over the rate is counted, not captured (no template read, no snapshot
taken), and the counts reach the live stream as `dropped` notices and the action's status as the
totals so far, in the Node agent's words."""
import pytest

from liveprobe_agent.agent import Agent


def checkout(order):
    seen = order  # the probed line
    return seen


LINE = checkout.__code__.co_firstlineno + 1


@pytest.fixture
def agents(recording_agent):
    def make(env: dict[str, str] | None = None) -> Agent:
        agent = recording_agent(env)
        agent.otel.emit = lambda *args: None  # type: ignore[method-assign]
        agent.otel.emit_span = lambda *args: None  # type: ignore[method-assign]
        return agent
    return make


def install(agent: Agent, **fields) -> None:
    agent.engine.reconcile([{'id': 'act_s', 'type': 'log', 'file': __file__, 'line': LINE, 'template': 'order {order}',
                             'level': 'info', 'maxHits': 1000, 'expiresAt': '2099-01-01T00:00:00Z', **fields}])
    assert 'act_s' in agent.engine.installed, agent.published


def lines(agent: Agent) -> list[str]:
    return [e['message'] for e in agent.published if e.get('kind') == 'output']


def test_hits_over_the_actions_rate_are_counted_not_captured_and_reported(agents):
    agent = agents()
    install(agent, ratePerSecond=2)
    for n in range(10):
        checkout(n)
    assert len(agent.outbox) == 2, 'a hit over the rate queues nothing'
    agent.drain()
    assert lines(agent) == ['order 0', 'order 1']
    agent.not_exported.report_dropped()
    dropped = [e for e in agent.published if e.get('kind') == 'dropped']
    assert [(e['actionId'], e['count'], e['reason']) for e in dropped] == [(
        'act_s', 8, "sampled: over the action's rate (its ratePerSecond, at most the agent's LIVEPROBE_QUOTA_HITS_PER_SECOND); "
        'these hits were counted, not captured')]
    agent.not_exported.stated -= 10
    agent.not_exported.tick()
    status = [e for e in agent.published if e.get('kind') == 'action_status'][-1]
    assert status['state'] == 'installed'
    assert status['message'].endswith('; not exported so far: 8 sampled (over the rate)'), status
    assert agent.engine.installed['act_s'].probe.hits == 2, 'sampled hits do not count toward maxHits'


def test_the_agents_hit_quota_caps_an_actions_rate_and_is_the_rate_of_one_without(agents):
    capped = agents({'LIVEPROBE_QUOTA_HITS_PER_SECOND': '3'})
    install(capped, ratePerSecond=100)
    for n in range(10):
        checkout(n)
    capped.drain()
    assert lines(capped) == ['order 0', 'order 1', 'order 2']
    capped.engine.close()  # one agent's sites on the line at a time
    unlimited = agents({'LIVEPROBE_QUOTA_HITS_PER_SECOND': '0'})
    install(unlimited)
    for n in range(300):
        checkout(n)
    unlimited.drain()
    assert len(lines(unlimited)) == 50, 'every hit is taken (the live stream shows its 50 a second)'
    assert unlimited.engine.installed['act_s'].probe.hits == 300


def test_a_snapshot_over_its_rate_is_not_taken(agents):
    agent = agents()
    agent.engine.reconcile([{'id': 'act_snap', 'type': 'snapshot', 'file': __file__, 'line': LINE, 'maxHits': 10,
                             'ratePerSecond': 0.5, 'expiresAt': '2099-01-01T00:00:00Z'}])
    for n in range(4):
        checkout(n)
    agent.drain()
    assert [e['kind'] for e in agent.published if e.get('kind') == 'snapshot'] == ['snapshot']
    assert agent.engine.installed['act_snap'].probe.sampled == 0 and agent.engine.installed['act_snap'].probe.hits == 1
    agent.not_exported.report_dropped()
    assert [e['count'] for e in agent.published if e.get('kind') == 'dropped'] == [3]
