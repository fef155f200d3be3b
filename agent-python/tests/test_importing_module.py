"""An action added while its module is still being imported: a function the module's body has
already defined is placed at once (a body that blocks, as a server's or `__main__`'s does, may
call it); a function or method the body has not reached yet waits, saying so, and is placed once
the body defines it (the import still blocked) or the import finishes. Placed earlier, on 3.11
its code was swapped only in the running body's copy, so the function the `def` made never hit
while the status said `installed`."""
import importlib
import sys
import textwrap
import threading
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from liveprobe_agent.agent import Agent

SOURCE = textwrap.dedent('''\
    import importing_gate


    def before(n):
        return n + 1  # line: before


    importing_gate.paused.set()
    importing_gate.go_on.wait()


    def after(n):
        return n * 2  # line: after


    class Shop:
        def checkout(self, n):
            return n - 1  # line: method


    importing_gate.defined.set()
    importing_gate.finish.wait()
    ''')
MARKERS = ('before', 'after', 'method')
WAIT_S = 10.0


def line_of(marker: str) -> int:
    return next(n for n, text in enumerate(SOURCE.splitlines(), 1) if text.endswith(f'# line: {marker}'))


@pytest.fixture
def gate(tmp_path: Path) -> Iterator[types.SimpleNamespace]:
    """The fixture module, being imported on a thread of its own and paused where the test says."""
    (tmp_path / 'importing_fixture.py').write_text(SOURCE)
    events = types.SimpleNamespace(**{name: threading.Event() for name in ('paused', 'go_on', 'defined', 'finish')})
    sys.modules['importing_gate'] = events  # type: ignore[assignment]
    sys.path.insert(0, str(tmp_path))
    importer = threading.Thread(target=importlib.import_module, args=('importing_fixture',), daemon=True)
    importer.start()
    assert events.paused.wait(WAIT_S), 'the fixture module did not start importing'
    yield events
    events.go_on.set()
    events.finish.set()
    importer.join(WAIT_S)
    sys.path.remove(str(tmp_path))
    for name in ('importing_gate', 'importing_fixture'):
        sys.modules.pop(name, None)


def add(agent: Agent) -> None:
    agent.engine.reconcile([
        {'id': f'act_{marker}', 'type': 'log', 'file': 'importing_fixture.py', 'line': line_of(marker), 'template': f'{marker} {{n}}',
         'level': 'info', 'maxHits': 1000, 'expiresAt': '2099-01-01T00:00:00Z'}
        for marker in MARKERS] + [
        {'id': 'act_duration', 'type': 'duration', 'file': 'importing_fixture.py', 'function': 'after', 'name': 'fixture.after',
         'maxHits': 1000, 'expiresAt': '2099-01-01T00:00:00Z'}])


def statuses(agent: Agent, action_id: str) -> list[tuple[str, str]]:
    return [(e['state'], e['message']) for e in agent.published if e.get('kind') == 'action_status' and e['actionId'] == action_id]


def tick_until(agent: Agent, done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        assert time.monotonic() < deadline, f'{what}; statuses: {[e for e in agent.published if e.get("kind") == "action_status"]}'
        agent.engine.tick()
        time.sleep(0.02)


def outputs(agent: Agent) -> list[str]:
    agent.drain()
    return sorted(e['message'] for e in agent.published if e.get('kind') == 'output')


@pytest.mark.parametrize('import_finishes', [True, False], ids=['the import finishes', 'the body defines it and blocks on'])
def test_an_action_on_a_function_not_defined_yet_waits_and_then_hits(recording_agent: Callable[..., Agent], gate: types.SimpleNamespace,
                                                                      import_finishes: bool) -> None:
    agent = recording_agent()
    add(agent)
    assert 'act_before' in agent.engine.installed, statuses(agent, 'act_before')
    module = sys.modules['importing_fixture']
    assert module.before(1) == 2  # type: ignore[attr-defined]
    assert outputs(agent) == ['before 1']
    for marker, name in (('after', 'after'), ('method', 'Shop.checkout'), ('duration', 'after')):
        assert f'act_{marker}' not in agent.engine.installed
        [(state, message)] = statuses(agent, f'act_{marker}')
        assert state == 'pending', message
        assert message.startswith(f'`{name}` in ') and message.endswith(
            'importing_fixture.py is not defined yet: the module is still running its body (being imported) and has not reached it; '
            'the action installs once the function is defined'), message

    gate.go_on.set()
    assert gate.defined.wait(WAIT_S)
    if import_finishes:
        gate.finish.set()
        tick_until(agent, lambda: not getattr(sys.modules['importing_fixture'].__spec__, '_initializing', False), 'the import finishes')
    tick_until(agent, lambda: {'act_after', 'act_method', 'act_duration'} <= set(agent.engine.installed), 'the waiting actions install')
    for marker in ('after', 'method', 'duration'):
        assert [state for state, _ in statuses(agent, f'act_{marker}')] == ['pending', 'installed']
    assert (module.before(4), module.after(2), module.Shop().checkout(3)) == (5, 4, 2)  # type: ignore[attr-defined]
    assert outputs(agent) == ['after 2', 'before 1', 'before 4', 'method 3']
