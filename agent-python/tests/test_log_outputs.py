"""A log action's `outputs` say where its lines go, as in the Node agent: `otel`, `live`, `console`
(the app's stdout, stderr from `warn` up, one line per hit in the Node agent's format) and `logger`
(the app's own `logging`: the probed module's logger, with the line's fields; its console when the
app's logging has no handler for it). Without them the agent's default applies:
LIVEPROBE_LOG_OUTPUTS, else `output.log` in LIVEPROBE_CONFIG, else `otel,live`."""
import json
import logging
import re

import pytest

from liveprobe_agent.agent import Agent
from liveprobe_agent.config import ConfigError, read_config


def checkout(order):
    seen = order  # the probed line
    return seen


LINE = checkout.__code__.co_firstlineno + 1
STAMP = r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z'


@pytest.fixture
def agent(recording_agent):
    made = recording_agent()
    made.emitted = []  # type: ignore[attr-defined]
    made.otel.emit = lambda level, message, *rest: made.emitted.append(message)  # type: ignore[method-assign,attr-defined]
    return made


def hit(agent: Agent, level: str = 'info', **fields) -> None:
    agent.engine.reconcile([{'id': 'act_out', 'type': 'log', 'file': __file__, 'line': LINE, 'template': 'order {order}',
                             'level': level, 'maxHits': 1000, 'expiresAt': '2099-01-01T00:00:00Z', **fields}])
    assert 'act_out' in agent.engine.installed
    checkout(7)
    agent.drain()


def live(agent: Agent) -> list[str]:
    return [e['message'] for e in agent.published if e.get('kind') == 'output']


def test_console_prints_on_the_apps_stdout_and_nothing_else(agent, capsys):
    hit(agent, outputs=['console'])
    out, err = capsys.readouterr()
    assert re.fullmatch(rf'{STAMP} INFO \[liveprobe act_out\] {re.escape(__file__)}:{LINE} order 7\n', out), out
    assert err == '' and agent.emitted == [] and live(agent) == []


def test_console_prints_warnings_and_errors_on_stderr(agent, capsys):
    hit(agent, level='error', outputs=['console', 'otel'])
    out, err = capsys.readouterr()
    assert out == '' and re.fullmatch(rf'{STAMP} ERROR \[liveprobe act_out\] \S+:{LINE} order 7\n', err), err
    assert agent.emitted == ['order 7'] and live(agent) == []


def test_logger_goes_through_the_probed_modules_logging_with_the_lines_fields(agent, capsys):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger(__name__)
    logger.addHandler(handler)
    try:
        hit(agent, level='warn', outputs=['logger', 'live'])
    finally:
        logger.removeHandler(handler)
    [record] = records
    assert (record.name, record.levelno, record.getMessage(), record.pathname, record.lineno, record.funcName) == (
        __name__, logging.WARNING, 'order 7', __file__, LINE, 'checkout')
    assert getattr(record, 'liveprobe.action.id') == 'act_out' and getattr(record, 'code.line.number') == LINE
    assert capsys.readouterr() == ('', '') and agent.emitted == [] and live(agent) == ['order 7']


def test_logger_without_a_handler_prints_on_the_console(agent, capsys):
    logger = logging.getLogger(__name__)
    logger.propagate = False  # no handler here nor above it: an app that never set up logging
    try:
        hit(agent, outputs=['logger'])
    finally:
        logger.propagate = True
    assert re.fullmatch(rf'{STAMP} INFO \[liveprobe act_out\] \S+:{LINE} order 7\n', capsys.readouterr().out)


def test_without_outputs_the_agents_default_applies(agent, capsys):
    hit(agent)
    assert agent.emitted == ['order 7'] and live(agent) == ['order 7'] and capsys.readouterr().out == ''


def test_the_default_outputs_and_their_errors(tmp_path):
    base = {'LIVEPROBE_AGENT_ID': 'unit-test'}
    assert read_config(base).log_outputs == ['otel', 'live']
    assert read_config({**base, 'LIVEPROBE_LOG_OUTPUTS': 'console, live,console'}).log_outputs == ['console', 'live']
    with pytest.raises(ConfigError, match=re.escape(
            'LIVEPROBE_LOG_OUTPUTS must list one or more of otel, live, console, logger, e.g. ["otel", "live", "console"]')):
        read_config({**base, 'LIVEPROBE_LOG_OUTPUTS': 'console,stdout'})
    path = tmp_path / 'liveprobe.json'
    path.write_text(json.dumps({'output': {'log': ['otel', 'logger']}}))
    assert read_config({**base, 'LIVEPROBE_CONFIG': str(path)}).log_outputs == ['otel', 'logger']
    assert read_config({**base, 'LIVEPROBE_CONFIG': str(path), 'LIVEPROBE_LOG_OUTPUTS': 'live'}).log_outputs == ['live']
    path.write_text(json.dumps({'output': {'log': []}}))
    with pytest.raises(ConfigError, match=re.escape(f'LIVEPROBE_CONFIG: {path}: `output.log` must list one or more of')):
        read_config({**base, 'LIVEPROBE_CONFIG': str(path)})
