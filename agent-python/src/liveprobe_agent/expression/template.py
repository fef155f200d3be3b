"""Parses a log template such as `order {order.id} for {user.name}`: `{{` and `}}` are literal
braces, every `{…}` an expression. Same parts as the protocol's checkTemplate."""
from __future__ import annotations

from typing import Any

from .errors import ExpressionError
from .parse import parse_expression

MAX_TEMPLATE_LENGTH = 4000


def parse_template(source: str) -> list[dict[str, Any]]:
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise ExpressionError(source[:40] + '…', 0, 'template', f'is {len(source)} characters long; the limit is {MAX_TEMPLATE_LENGTH}')
    parts: list[dict[str, Any]] = []
    text = ''
    i = 0
    while i < len(source):
        ch = source[i]
        if source.startswith('{{', i) or source.startswith('}}', i):
            text += ch
            i += 2
            continue
        if ch == '}':
            raise ExpressionError(source, i, 'unmatched `}`', 'there is no `{` before it', 'write `}}` for a literal brace')
        if ch != '{':
            text += ch
            i += 1
            continue
        close = _find_close(source, i + 1)
        if close == -1:
            raise ExpressionError(source, i, 'unclosed `{`', 'the expression has no closing `}`', 'close it, or write `{{` for a literal brace')
        inner = source[i + 1:close]
        if inner.strip() == '':
            raise ExpressionError(source, i, 'empty `{}`', 'there is no expression inside')
        try:
            expr = parse_expression(inner)
        except ExpressionError as err:
            raise err.within(source, i + 1) from None
        if text:
            parts.append({'text': text})
            text = ''
        parts.append({'source': inner.strip(), 'offset': i + 1, 'expr': expr})
        i = close + 1
    if text:
        parts.append({'text': text})
    return parts


def _find_close(source: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(source):
        ch = source[i]
        if ch in '"\'`':
            j = i + 1
            while j < len(source) and source[j] != ch:
                j += 2 if source[j] == '\\' else 1
            if j >= len(source):
                return -1
            i = j
        elif ch in '{[(':
            depth += 1
        elif ch in '])':
            depth -= 1
        elif ch == '}':
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1
