"""A line outside every function (the module's own code, a class body) ran as the module was
imported, before any action could be placed there: the agent refuses it with TopLevelLineError,
saying so in the words the Node.js agent uses for the same line; a line inside a function is placed."""
import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveprobe_agent.instrument.locate import TOP_LEVEL_CODE, TopLevelLineError, locate

SOURCE = textwrap.dedent('''\
    STARTED = 'at import'


    class Greeter:
        greeting = 'hello'

        def greet(self, name):
            return f'{self.greeting} {name}'
    ''')


@pytest.fixture()
def module_path(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / 'top_level_fixture.py'
    path.write_text(SOURCE)
    spec = importlib.util.spec_from_file_location('top_level_fixture', path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules['top_level_fixture'] = module
    spec.loader.exec_module(module)
    yield str(path.resolve())
    del sys.modules['top_level_fixture']


@pytest.mark.parametrize('line', [1, 5], ids=['module code', 'class body'])
def test_a_top_level_line_is_refused_in_the_node_agents_words(module_path: str, line: int) -> None:
    with pytest.raises(TopLevelLineError) as refused:
        locate('top_level_fixture.py', line, {})
    assert refused.value.line == line
    assert not refused.value.waiting
    assert str(refused.value) == (
        f'line {line} of {module_path} {TOP_LEVEL_CODE}: it ran when the module was imported and will not run again; '
        'put the action on a line inside a function')


def test_the_shared_words_are_the_node_agents() -> None:
    words = Path(__file__).resolve().parents[2] / 'protocol' / 'src' / 'status-words.ts'
    assert f"TOP_LEVEL_CODE = '{TOP_LEVEL_CODE}'" in words.read_text()


def test_a_line_inside_a_function_is_placed(module_path: str) -> None:
    located = locate('top_level_fixture.py', 8, {})
    assert (located.path, located.line, located.code.co_name) == (module_path, 8, 'greet')
