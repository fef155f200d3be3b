"""A log or snapshot action samples, as on a Node prepared site: a hit over its `ratePerSecond`
(within the agent's hit quota), its byte quota or the agent's CPU budget is counted, not captured
(over the rate or the budget no template is read, no snapshot taken) and the site stays on; the
counts reach the live stream as `dropped` notices and the action's status as the totals so far,
in the Node agent's words, naming the limit."""
import time

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
    assert agent.engine.installed['act_snap'].probe.hits == 1
    agent.not_exported.report_dropped()
    assert [e['count'] for e in agent.published if e.get('kind') == 'dropped'] == [3]


def test_over_the_byte_quota_a_line_is_counted_as_sampled_and_the_action_stays_on(agents):
    agent = agents({'LIVEPROBE_QUOTA_BYTES_PER_SECOND': '20'})
    install(agent)
    for n in range(4):
        checkout(n)  # 'order n': 7 bytes a line, 20 a second
    agent.drain()
    assert lines(agent) == ['order 0', 'order 1']
    assert not agent.engine.installed['act_s'].probe.off, 'not paused'
    agent.drain()  # the lines over the quota were counted as the agent's thread formatted them
    agent.not_exported.report_dropped()
    [dropped] = [e for e in agent.published if e.get('kind') == 'dropped']
    assert (dropped['count'], dropped['reason']) == (
        2, "sampled: over the action's output quota (LIVEPROBE_QUOTA_BYTES_PER_SECOND); these hits were counted, not captured")


def test_over_the_cpu_budget_a_log_is_counted_as_sampled_and_a_counter_pauses(agents):
    agent = agents({'LIVEPROBE_CPU_BUDGET_MS_PER_SECOND': '1'})
    agent.engine.reconcile([
        {'id': 'act_s', 'type': 'log', 'file': __file__, 'line': LINE, 'template': 'order {order}', 'level': 'info',
         'maxHits': 1000, 'expiresAt': '2099-01-01T00:00:00Z'},
        {'id': 'act_c', 'type': 'counter', 'file': __file__, 'line': LINE, 'name': 'orders', 'maxHits': 1000,
         'expiresAt': '2099-01-01T00:00:00Z'},
    ])
    cpu = agent.settings.cpu
    cpu.window_start, cpu.spent = time.perf_counter(), 0.002  # this second's budget is spent
    checkout(1)
    agent.drain()
    assert lines(agent) == []
    assert not agent.engine.installed['act_s'].probe.off and agent.engine.installed['act_c'].probe.off
    paused = [e for e in agent.published if e.get('kind') == 'action_status' and e['state'] == 'paused']
    assert [(e['actionId'], e['message']) for e in paused] == [
        ('act_c', 'paused: the agent spent its CPU budget of 1 ms per second in probes; resuming in 1 s')]
    agent.not_exported.report_dropped()
    assert [(e['actionId'], e['count'], e['reason']) for e in agent.published if e.get('kind') == 'dropped'] == [(
        'act_s', 1, "sampled: the agent's CPU budget for the second was spent (LIVEPROBE_CPU_BUDGET_MS_PER_SECOND); "
        'these hits were counted, not captured')]
    agent.not_exported.stated -= 10
    agent.not_exported.tick()
    status = [e for e in agent.published if e.get('kind') == 'action_status'][-1]
    assert status['message'].endswith('; not exported so far: 1 sampled (over the CPU budget)')
