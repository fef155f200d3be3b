"""A log hit in two halves: on the app's thread the hit keeps what the template read and queues it;
the agent's thread formats, redacts and exports it. The line shows the values as they were at the
hit whatever the app does next, hides secrets, runs no application code, and a full queue drops
hits with a count instead of growing."""
import pytest
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

from liveprobe_agent import probe
from liveprobe_agent.agent import Agent
from liveprobe_agent.config import read_config

# The app's own SDK: the agent's records go through it, as they do in production.
exported = InMemoryLogRecordExporter()
_provider = LoggerProvider()
_provider.add_log_record_processor(SimpleLogRecordProcessor(exported))
set_logger_provider(_provider)

ran: list[str] = []


class Hostile:
    def __init__(self) -> None:
        self.card = 'paid with 4111 1111 1111 1111'
        self.n = 1

    @property
    def total(self) -> int:
        ran.append('property')
        return 0

    def __getattr__(self, name: str) -> None:
        ran.append('__getattr__')

    def __repr__(self) -> str:
        ran.append('__repr__')
        return 'Hostile()'


def checkout(order, note, who, extra=None):
    seen = order  # the probed line
    return seen


LINE = checkout.__code__.co_firstlineno + 1


@pytest.fixture
def agent():
    exported.clear()
    ran.clear()
    made = Agent(read_config({'LIVEPROBE_AGENT_ID': 'unit-test', 'LIVEPROBE_LOG_LEVEL': 'silent'}))
    published: list[dict] = []
    made.link.publish_event = lambda event: published.append(event) or True  # type: ignore[method-assign]
    made.published = published  # type: ignore[attr-defined]
    yield made
    made.engine.close()
    made.engine.mechanism.close()  # 3.12+: give the sys.monitoring tool id back for the next test
    assert ran == []


def install(agent: Agent, template: str) -> None:
    agent.engine.reconcile([{'id': 'act_log', 'type': 'log', 'file': __file__, 'line': LINE, 'template': template,
                             'level': 'info', 'maxHits': 1000, 'expiresAt': '2099-01-01T00:00:00Z'}])
    assert 'act_log' in agent.engine.installed, agent.published


def bodies() -> list[str]:
    return [record.log_record.body for record in exported.get_finished_logs()]


def test_the_line_shows_the_values_at_the_hit_and_is_formatted_and_exported_by_the_agents_thread(agent):
    install(agent, 'order {order} note {note} by {who} with {extra}')
    # Nested (captured at the hit), flat and a list of primitives (copied at the hit).
    order, flat, tags = {'total': 5, 'items': ['tea']}, {'sku': 'tea', 'price': 4.5}, ['new', 7]
    checkout(order, 'x' * 300, flat, tags)
    # The app changes what the hit read before the agent's thread gets to it.
    order['total'] = 99
    order['items'].append('pot')
    flat['price'] = 0
    tags.clear()
    assert bodies() == [], 'the hit itself neither formats nor exports'
    agent.drain()
    assert bodies() == ['order { total: 5, items: ["tea"] } note ' + 'x' * 256 + '…(+44 chars) by { sku: "tea", price: 4.5 } with ["new", 7]']


def test_secrets_are_hidden_and_no_application_code_runs_at_either_half(agent):
    install(agent, '{order} {note} {who.total} {who.missing}')
    checkout(Hostile(), 'Authorization: Bearer abcdefgh12345678', Hostile())
    install(agent, '{extra}')
    checkout(None, '', None, {'card': '4111-1111-1111-1111', 'password': 'hunter2'})
    agent.drain()
    assert bodies() == ['Hostile { card: "paid with [REDACTED]", n: 1, total: [Getter] } Authorization: Bearer [REDACTED] '
                        '<`who.total` is a property; liveprobe never runs properties> '
                        "<`who.missing`: not an attribute of the object, and liveprobe never runs its class's __getattr__>",
                        '{ card: "[REDACTED]", password: [REDACTED] }']


def test_hits_beyond_the_queue_are_counted_as_dropped_not_queued(agent, monkeypatch):
    monkeypatch.setattr(probe, 'MAX_OUTBOX', 2)
    install(agent, 'order {order}')
    for n in range(5):
        checkout(n, '', None)
    assert len(agent.outbox) == 2
    agent.drain()
    assert bodies() == ['order 0', 'order 1']
    dropped = [e for e in agent.published if e['kind'] == 'dropped']
    assert [(e['actionId'], e['count']) for e in dropped] == [('act_log', 3)]
    assert dropped[0]['reason'].startswith("export_queue_full: the agent's queue of hits waiting for its thread was full")
