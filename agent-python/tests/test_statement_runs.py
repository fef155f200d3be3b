"""A line action hits once per run of the line's statement, on either mechanism: CPython reports
a line again when execution comes back to it from a later line of the same statement (the call
and the await of a call whose arguments are on the next lines, a comprehension's items), and
those reports are not runs, nor is an `await` resuming (3.11), and a lambda or comprehension on
the line is part of the statement. A loop's lines still hit once per iteration."""
import asyncio
import types
from collections.abc import Callable, Iterator

import pytest

from liveprobe_agent.instrument.locate import locate
from liveprobe_agent.instrument.mechanism import Mechanism
from liveprobe_agent.instrument.sites import Site
from liveprobe_agent.instrument.statements import continuations


def fetch(user: str, session: object = None) -> str:
    return user


async def load(user: str, session: object = None) -> str:
    await asyncio.sleep(0)
    return user


def sync_call(name: str) -> str:
    user = fetch(  # line: sync-call
        name, session=object()
    )
    return user


async def awaited_call(name: str) -> str:
    user = await load(  # line: awaited-call
        session=object(), user=fetch(name)
    )
    return user


def wrapped_return(name: str) -> str:
    return (  # line: wrapped-return
        name
    )


def comprehension(items: list[int]) -> int:
    total = sum([item * 2  # line: comprehension
                 for item in items])
    return total


def with_lambda(items: list[int]) -> list[int]:
    doubled = list(map(lambda item: item * 2, items))  # line: lambda
    return doubled


def while_loop(n: int) -> int:
    i = 0
    while i < n:  # line: while-condition
        i += 1
    return i


def for_loop(items: list[int]) -> int:
    total = 0
    for item in items:
        total += fetch(  # line: for-body
            str(item)
        ) and item
    return total


def line_of(marker: str) -> int:
    with open(__file__) as source:
        return next(n for n, text in enumerate(source, 1) if text.rstrip().endswith(f'# line: {marker}'))


@pytest.fixture
def mechanism() -> Iterator[Mechanism]:
    made = Mechanism()
    yield made
    for code in list(made.sites):
        for site in list(made.sites[code]):
            made.remove(site)
    made.close()


def hits_at(mechanism: Mechanism, marker: str, run: Callable[[], object]) -> int:
    located = locate(__file__, line_of(marker), mechanism.originals())
    site = Site(located.code, 'line', located.line)
    frames: list[types.FrameType] = []
    site.callbacks = (frames.append,)
    mechanism.add(site, located.parents)
    try:
        run()
    finally:
        mechanism.remove(site)
    return len(frames)


@pytest.mark.parametrize(('marker', 'run', 'runs'), [
    ('sync-call', lambda: sync_call('ann'), 1),
    ('awaited-call', lambda: asyncio.run(awaited_call('ann')), 1),
    ('wrapped-return', lambda: wrapped_return('ann'), 1),
    ('comprehension', lambda: comprehension([1, 2, 3]), 1),
    ('lambda', lambda: with_lambda([1, 2, 3]), 1),
    ('while-condition', lambda: while_loop(3), 4),
    ('for-body', lambda: for_loop([1, 2, 3]), 3),
])
def test_a_line_hits_once_per_run_of_its_statement(mechanism: Mechanism, marker: str, run: Callable[[], object], runs: int) -> None:
    assert hits_at(mechanism, marker, run) == runs


def test_a_report_is_a_continuation_only_after_the_statements_later_lines() -> None:
    # Line 5 of a call over lines 5-6: its call (5, reaching 6) after its arguments (6) continues it.
    assert continuations([(5, 5), (6, 6), (5, 6), (5, 5)], 5) == {2}
    # A loop's condition at the bottom follows the loop's body (7), not the statement: it is a run.
    assert continuations([(5, 5), (6, 6), (7, 7), (5, 5)], 5) == set()
    # A statement whose first instructions are on its later lines starts on its own line once.
    assert continuations([(4, 4), (6, 6), (5, 7)], 5) == set()
    # Lines without a location (exception handlers) end the walk back.
    assert continuations([(5, 6), (None, None), (6, 6), (5, 6)], 5) == set()
