"""Parses liveprobe's expression language into the checked tree the protocol defines
(protocol/src/expression/ast.ts): the same node kinds, fields and `src` texts the control
plane's checker produces, so both agents evaluate one tree. The shared vectors in
protocol/expression-vectors.json hold the two parsers together."""
from __future__ import annotations

from typing import Any

from .errors import ExpressionError
from .tokens import Token, tokenize

Expr = dict[str, Any]

MAX_EXPRESSION_LENGTH = 1000
HELPERS = {'len': 1, 'keys': 1, 'has': 2, 'str': 1}
METHODS = ('startsWith', 'endsWith', 'includes')
LITERAL_NAMES: dict[str, Expr] = {
    'undefined': {'k': 'undef'}, 'NaN': {'k': 'lit', 'v': float('nan')}, 'Infinity': {'k': 'lit', 'v': float('inf')},
    'true': {'k': 'lit', 'v': True}, 'false': {'k': 'lit', 'v': False}, 'null': {'k': 'lit', 'v': None},
}
BINARY_PRECEDENCE = {
    '??': 1, '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5,
    '==': 6, '!=': 6, '===': 6, '!==': 6, '<': 7, '<=': 7, '>': 7, '>=': 7,
    '<<': 8, '>>': 8, '>>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10, '**': 11,
}
LOGICAL = ('&&', '||', '??')
CALLS_ALLOWED = 'only len(x), keys(x), has(x, k), str(x) and .startsWith, .endsWith, .includes on strings and arrays may be called'


def parse_expression(source: str) -> Expr:
    if source.strip() == '':
        raise ExpressionError(source, 0, 'empty expression', 'there is nothing to evaluate', 'write a variable or field such as `order.id`')
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(source[:40] + '…', 0, 'expression', f'is {len(source)} characters long; the limit is {MAX_EXPRESSION_LENGTH}')
    parser = _Parser(source, tokenize(source))
    expr = parser.expression()
    token = parser.peek()
    if token.kind != 'end':
        raise ExpressionError(source, token.start, f'unexpected `{source[token.start:token.start + 20]}`', 'the expression ends before this text')
    return expr


class _Parser:
    def __init__(self, source: str, tokens: list[Token]) -> None:
        self.source = source
        self.tokens = tokens
        self.at = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.at + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.at += 1
        return token

    def is_punct(self, value: str) -> bool:
        token = self.peek()
        return token.kind == 'punct' and token.value == value

    def expect(self, value: str) -> Token:
        if not self.is_punct(value):
            token = self.peek()
            raise ExpressionError(self.source, token.start, f'expected `{value}`', 'the expression is incomplete here')
        return self.take()

    def expression(self) -> Expr:
        test = self.binary(1)
        if self.is_punct('='):
            raise ExpressionError(self.source, self.peek().start, 'assignment `=`', "changes the application's state", 'to compare, write `==` or `===`')
        if not self.is_punct('?'):
            return test
        self.take()
        then = self.expression()
        self.expect(':')
        return {'k': 'cond', 'test': test, 'then': then, 'else': self.expression()}

    def binary(self, min_precedence: int) -> Expr:
        left = self.unary()
        while True:
            token = self.peek()
            precedence = BINARY_PRECEDENCE.get(str(token.value)) if token.kind == 'punct' else None
            if precedence is None or precedence < min_precedence:
                return left
            self.take()
            op = str(token.value)
            # `**` groups to the right; everything else to the left.
            right = self.binary(precedence if op == '**' else precedence + 1)
            left = {'k': 'logical' if op in LOGICAL else 'binary', 'op': op, 'left': left, 'right': right}

    def unary(self) -> Expr:
        token = self.peek()
        if (token.kind == 'punct' and token.value in ('!', '-', '+', '~')) or (token.kind == 'name' and token.value == 'typeof'):
            self.take()
            return {'k': 'unary', 'op': token.value, 'arg': self.unary()}
        return self.postfix()

    def postfix(self) -> Expr:
        start = self.peek().start
        expr = self.primary()
        while True:
            optional = self.is_punct('?.')
            if optional or self.is_punct('.'):
                self.take()
                if optional and self.is_punct('['):
                    expr = self.computed(expr, start, True)
                    continue
                name = self.take()
                if name.kind != 'name':
                    raise ExpressionError(self.source, name.start, 'expected a property name', 'a `.` is followed by a name')
                if self.is_punct('('):
                    expr = self.method(expr, str(name.value), optional, start, name)
                    continue
                expr = {'k': 'member', 'object': expr, 'property': {'k': 'lit', 'v': name.value}, 'optional': optional, 'src': self.source[start:name.end]}
            elif self.is_punct('['):
                expr = self.computed(expr, start, False)
            elif self.is_punct('('):
                raise ExpressionError(self.source, start, f'call to `{self.source[start:self.peek().start]}`', 'calling application or built-in functions can change state or run for unbounded time', CALLS_ALLOWED)
            else:
                return expr

    def computed(self, obj: Expr, start: int, optional: bool) -> Expr:
        self.expect('[')
        key = self.peek()
        if key.kind not in ('str', 'num', 'name', 'bigint') or self.peek(1).value != ']':
            raise ExpressionError(self.source, key.start, 'computed member access', 'brackets may hold only a literal or a variable name', 'write `items[0]`, `map["key"]` or `items[i]`')
        prop = self.primary()
        end = self.expect(']').end
        return {'k': 'member', 'object': obj, 'property': prop, 'optional': optional, 'src': self.source[start:end]}

    def method(self, target: Expr, name: str, optional: bool, start: int, at: Token) -> Expr:
        if name not in METHODS:
            raise ExpressionError(self.source, start, f'call to `{self.source[start:at.end]}`', 'calling application or built-in functions can change state or run for unbounded time', CALLS_ALLOWED)
        args, end = self.arguments()
        if len(args) != 1:
            raise ExpressionError(self.source, start, f'`.{name}(…)`', f'takes 1 argument, got {len(args)}')
        return {'k': 'method', 'name': name, 'target': target, 'args': args, 'optional': optional, 'src': self.source[start:end]}

    def arguments(self) -> tuple[list[Expr], int]:
        self.expect('(')
        args: list[Expr] = []
        while not self.is_punct(')'):
            args.append(self.expression())
            if not self.is_punct(')'):
                self.expect(',')
        return args, self.take().end

    def primary(self) -> Expr:
        token = self.take()
        if token.kind == 'num':
            return {'k': 'lit', 'v': token.value}
        if token.kind == 'bigint':
            return {'k': 'bigint', 'v': token.value}
        if token.kind == 'str':
            return {'k': 'lit', 'v': token.value}
        if token.kind == 'name':
            return self.named(token)
        if token.kind == 'punct' and token.value == '(':
            expr = self.expression()
            self.expect(')')
            return expr
        if token.kind == 'punct' and token.value == '[':
            items: list[Expr] = []
            while not self.is_punct(']'):
                items.append({'k': 'undef'} if self.is_punct(',') else self.expression())
                if not self.is_punct(']'):
                    self.expect(',')
            self.take()
            return {'k': 'array', 'items': items}
        raise ExpressionError(self.source, token.start, 'syntax error', 'unexpected token' if token.kind != 'end' else 'the expression is incomplete')

    def named(self, token: Token) -> Expr:
        name = str(token.value)
        if name in HELPERS and self.is_punct('('):
            args, _ = self.arguments()
            if len(args) != HELPERS[name]:
                raise ExpressionError(self.source, token.start, f'`{name}(…)`', f'takes {HELPERS[name]} argument{"" if HELPERS[name] == 1 else "s"}, got {len(args)}')
            return {'k': 'helper', 'name': name, 'args': args}
        if name == 'this':
            return {'k': 'this'}
        if name in LITERAL_NAMES:
            return dict(LITERAL_NAMES[name])
        return {'k': 'id', 'name': name}
