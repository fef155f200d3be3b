"""The error of an expression that is outside the language, worded as the control plane words it."""
from __future__ import annotations


class ExpressionError(Exception):
    code = 'invalid_expression'

    def __init__(self, source: str, position: int, construct: str, reason: str, hint: str | None = None) -> None:
        self.source = source
        self.position = position
        self.construct = construct
        self.reason = reason
        self.hint = hint
        tail = '' if hint is None else f' — {hint}'
        super().__init__(f'{construct} at column {position + 1} of `{source}`: {reason}{tail}')

    def within(self, outer: str, offset: int) -> 'ExpressionError':
        return ExpressionError(outer, self.position + offset, self.construct, self.reason, self.hint)
