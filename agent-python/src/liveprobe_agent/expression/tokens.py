"""Splits an expression of liveprobe's language into tokens (the same JavaScript-like syntax the
control plane checks with acorn), with each token's offset for error messages."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ExpressionError

# Longest first, so `===` is not read as `==` and `=`.
PUNCTUATORS = sorted([
    '?.', '??', '?', ':', '.', '[', ']', '(', ')', ',', '!', '~',
    '+', '-', '*', '/', '%', '**', '==', '!=', '===', '!==', '<', '<=', '>', '>=',
    '<<', '>>', '>>>', '&', '|', '^', '&&', '||', '=',
], key=len, reverse=True)

NUMBER = re.compile(
    r'0[xX][0-9a-fA-F_]+n?|0[oO][0-7_]+n?|0[bB][01_]+n?'
    r'|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?n?'
)
NAME = re.compile(r'[A-Za-z_$][\w$]*')
ESCAPES = {'n': '\n', 't': '\t', 'r': '\r', 'b': '\b', 'f': '\f', 'v': '\v', '0': '\0'}


@dataclass(frozen=True)
class Token:
    kind: str  # 'num', 'bigint', 'str', 'name', 'punct', 'end'
    value: object
    start: int
    end: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        if ch in '"\'`':
            text, end = _string(source, i)
            tokens.append(Token('str', text, i, end))
            i = end
            continue
        number = NUMBER.match(source, i)
        if number is not None and (ch.isdigit() or (ch == '.' and i + 1 < len(source) and source[i + 1].isdigit())):
            tokens.append(_number(number.group(0), i, number.end()))
            i = number.end()
            continue
        name = NAME.match(source, i)
        if name is not None:
            tokens.append(Token('name', name.group(0), i, name.end()))
            i = name.end()
            continue
        for punct in PUNCTUATORS:
            if source.startswith(punct, i):
                # `?.5` is a conditional followed by a number, as in JavaScript.
                if punct == '?.' and i + 2 < len(source) and source[i + 2].isdigit():
                    continue
                tokens.append(Token('punct', punct, i, i + len(punct)))
                i += len(punct)
                break
        else:
            raise ExpressionError(source, i, f'unexpected `{ch}`', 'it is not part of the expression language')
    tokens.append(Token('end', None, len(source), len(source)))
    return tokens


def _number(text: str, start: int, end: int) -> Token:
    digits = text.replace('_', '')
    if digits.endswith('n'):
        return Token('bigint', str(int(digits[:-1], 0)), start, end)
    if digits[:2].lower() in ('0x', '0o', '0b'):
        return Token('num', int(digits, 0), start, end)
    value = float(digits)
    return Token('num', int(value) if value.is_integer() and abs(value) < 2 ** 53 else value, start, end)


def _string(source: str, start: int) -> tuple[str, int]:
    quote = source[start]
    out: list[str] = []
    i = start + 1
    while i < len(source):
        ch = source[i]
        if ch == quote:
            return ''.join(out), i + 1
        if ch == '\\' and i + 1 < len(source):
            nxt = source[i + 1]
            if nxt == 'u' and source[i + 2:i + 3] == '{':
                close = source.index('}', i)
                out.append(chr(int(source[i + 3:close], 16)))
                i = close + 1
                continue
            if nxt == 'u':
                out.append(chr(int(source[i + 2:i + 6], 16)))
                i += 6
                continue
            if nxt == 'x':
                out.append(chr(int(source[i + 2:i + 4], 16)))
                i += 4
                continue
            out.append(ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ExpressionError(source, start, 'unterminated string', 'the string has no closing quote')
