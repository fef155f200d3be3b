"""Where a run of a line's statement starts. CPython reports a line again each time execution
comes back to it from a later line of the same statement: `user = await load(` on line 1 with
its arguments on line 2 runs line 1, line 2, then line 1 again for the call and the await, and a
comprehension over two lines comes back to its first line once per item. A probe that ran at
every report would count such a statement twice or more per run, where the Node.js agent's
breakpoint counts it once. A report is a continuation when the instructions laid out before it,
back to an earlier instruction of the same line, all belong to the statement's later lines (its
instructions on the line say how far the statement reaches); a loop's condition evaluated again
at the bottom of the loop follows its body, so each iteration still counts."""
from __future__ import annotations

import dis
import types
from collections.abc import Sequence

Span = tuple['int | None', 'int | None']  # an instruction's first and last line


def continuations(spans: Sequence[Span], line: int) -> set[int]:
    """Indexes into `spans` (instructions in layout order) of the instructions of `line` where a
    report of the line continues its statement instead of starting a run of it."""
    reach = max((end for start, end in spans if start == line and end is not None), default=line)
    out: set[int] = set()
    for index, (start, _) in enumerate(spans):
        if start != line:
            continue
        back = index - 1
        while back >= 0 and (earlier := spans[back][0]) is not None and line < earlier <= reach:
            back -= 1
        if 0 <= back < index - 1 and spans[back][0] == line:
            out.add(index)
    return out


def continuation_offsets(code: types.CodeType, line: int) -> frozenset[int]:
    """The bytecode offsets (`frame.f_lasti`) of the reports of `line` in `code` that continue its statement."""
    instructions = list(dis.get_instructions(code))
    spans = [(i.positions.lineno, i.positions.end_lineno) if i.positions else (None, None) for i in instructions]
    return frozenset(instructions[index].offset for index in continuations(spans, line))
