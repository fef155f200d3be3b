"""Compiles a checked expression tree into a Python closure evaluated against a probed frame,
read-only: values are read through safe_read (no property, descriptor or dunder override of an
application class runs), operators take primitives only, and the only calls are the
language's pure helpers. Failures raise EvalError, which never reaches the application."""
from __future__ import annotations

import math
from typing import Any, Callable

from ..redaction import Redaction
from ..safe_read import EvalError, is_a, is_primitive, read_attribute, read_item, safe_has, safe_keys, safe_len
from ..serialize import REDACTED, Redacted

Scope = Any  # liveprobe_agent.frame_scope.FrameScope
Compiled = Callable[[Scope], Any]
MAX_SHIFT = 100_000
MAX_INCLUDES = 10_000
_SHORT = object()  # an optional chain that met None: the whole chain is None


def compile_expression(expr: dict[str, Any], redaction: Redaction, text: Callable[[Any], str]) -> Compiled:
    inner = _Compiler(redaction, text).node(expr)

    def run(scope: Scope) -> Any:
        value = inner(scope)
        return None if value is _SHORT else value
    return run


def truthy(value: Any) -> bool:
    """JavaScript-like truth that never runs `__bool__` or `__len__` of an application class."""
    kind = type(value)
    if value is None or value is _SHORT:
        return False
    if kind is bool:
        return value
    if kind is int:
        return value != 0
    if kind is float:
        return value != 0 and not math.isnan(value)
    if kind is str:
        return value != ''
    if value is REDACTED:
        raise EvalError('the value is redacted by the agent\'s configuration')
    if is_a(value, (list, tuple, dict, set, frozenset)):
        return safe_len(value) > 0
    return True


def _number(value: Any, op: str) -> int | float:
    if type(value) in (int, float):
        return value  # type: ignore[no-any-return]
    if type(value) is bool:
        return int(value)
    raise _operand(value, op)


def _operand(value: Any, op: str) -> EvalError:
    if value is REDACTED:
        return EvalError('the value is redacted by the agent\'s configuration')
    if is_primitive(value):
        return EvalError(f'`{op}` needs numbers, got {type(value).__name__}')
    return EvalError(f'`{op}` needs primitive operands, got a {type(value).__name__}; liveprobe never converts objects (that would run their code)')


def _js_text(value: Any) -> str:
    if value is None:
        return 'None'
    if type(value) is bool:
        return 'True' if value else 'False'
    if type(value) is float and value.is_integer():
        return str(int(value))
    return str(value)


def _category(value: Any) -> str:
    kind = type(value)
    return 'number' if kind in (int, float) else kind.__name__


def loose_equal(a: Any, b: Any, op: str) -> bool:
    if a is REDACTED or b is REDACTED:
        raise EvalError('the value is redacted by the agent\'s configuration')
    if is_primitive(a) and is_primitive(b):
        if a is None or b is None:
            return a is b
        if type(a) is bool or type(b) is bool:
            return type(a) is type(b) and a is b
        return _category(a) == _category(b) and a == b
    if a is None or b is None:
        return False
    if is_primitive(a) or is_primitive(b):
        raise EvalError(f'`{op}` between an object and a primitive would convert the object; compare one of its fields')
    return a is b


def strict_equal(a: Any, b: Any) -> bool:
    if a is REDACTED or b is REDACTED:
        raise EvalError('the value is redacted by the agent\'s configuration')
    if is_primitive(a) and is_primitive(b):
        return _category(a) == _category(b) and a == b
    return a is b


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == '+' and (type(a) is str or type(b) is str):
        if not (is_primitive(a) and is_primitive(b)):
            raise _operand(b if is_primitive(a) else a, op)
        return _js_text(a) + _js_text(b)
    x, y = _number(a, op), _number(b, op)
    if op == '+':
        return x + y
    if op == '-':
        return x - y
    if op == '*':
        return x * y
    if op == '/':
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1, y)
        return x / y
    if op == '%':
        return math.nan if y == 0 else math.fmod(x, y) if type(x) is float or type(y) is float else (abs(x) % abs(y)) * (1 if x >= 0 else -1)
    if op == '**':
        if type(x) is int and type(y) is int and y > MAX_SHIFT:
            raise EvalError(f'`**` by more than {MAX_SHIFT} is refused: the result would be enormous')
        return x ** y
    ints = (int(x), int(y))
    if op in ('<<', '>>', '>>>') and ints[1] > MAX_SHIFT:
        raise EvalError(f'`{op}` by more than {MAX_SHIFT} is refused')
    return {'&': lambda p, q: p & q, '|': lambda p, q: p | q, '^': lambda p, q: p ^ q, '<<': lambda p, q: p << q,
            '>>': lambda p, q: p >> q, '>>>': lambda p, q: (p & 0xFFFFFFFF) >> (q & 31)}[op](*ints)


def _compare(op: str, a: Any, b: Any) -> bool:
    if not ((type(a) is str and type(b) is str) or (type(a) in (int, float, bool) and type(b) in (int, float, bool))):
        raise _operand(b if is_primitive(a) and type(a) is not type(None) else a, op)
    return {'<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b}[op]


def binary(op: str, a: Any, b: Any) -> Any:
    if op == '===':
        return strict_equal(a, b)
    if op == '!==':
        return not strict_equal(a, b)
    if op == '==':
        return loose_equal(a, b, op)
    if op == '!=':
        return not loose_equal(a, b, op)
    if op in ('<', '<=', '>', '>='):
        return _compare(op, a, b)
    return _arith(op, a, b)


def typeof(value: Any) -> str:
    if value is None:
        return 'object'
    kind = type(value)
    if kind is bool:
        return 'boolean'
    if kind in (int, float):
        return 'number'
    if kind is str:
        return 'string'
    return 'function' if callable(value) and is_a(value, (type(len), type(typeof), type)) else 'object'


def unary(op: str, value: Any) -> Any:
    if op == '!':
        return not truthy(value)
    if op == 'typeof':
        return typeof(value)
    number = _number(value, op)
    if op == '-':
        return -number
    if op == '+':
        return number
    return ~int(number)


class _Compiler:
    def __init__(self, redaction: Redaction, text: Callable[[Any], str]) -> None:
        self.redaction = redaction
        self.text = text

    def node(self, e: dict[str, Any]) -> Compiled:
        return getattr(self, 'k_' + e['k'])(e)  # type: ignore[no-any-return]

    def k_lit(self, e: dict[str, Any]) -> Compiled:
        value = e['v']
        return lambda scope: value

    def k_bigint(self, e: dict[str, Any]) -> Compiled:
        value = int(e['v'])
        return lambda scope: value

    def k_undef(self, e: dict[str, Any]) -> Compiled:
        return lambda scope: None

    def k_id(self, e: dict[str, Any]) -> Compiled:
        name = e['name']
        if self.redaction.is_secret_key(name):
            return lambda scope: REDACTED
        return lambda scope: scope.lookup(name)

    def k_this(self, e: dict[str, Any]) -> Compiled:
        return lambda scope: scope.this()

    def k_member(self, e: dict[str, Any]) -> Compiled:
        obj = self.node(e['object'])
        prop_node = e['property']
        optional, src = e['optional'], e['src']
        static = prop_node['k'] in ('lit', 'bigint')
        static_key = (int(prop_node['v']) if prop_node['k'] == 'bigint' else prop_node['v']) if static else None
        key_fn = None if static else self.node(prop_node)
        holder = _describe(e['object'])
        redaction = self.redaction

        def run(scope: Scope) -> Any:
            target = obj(scope)
            if target is _SHORT:
                return _SHORT
            if target is None:
                if optional:
                    return _SHORT
                raise EvalError(f'`{src}`: {holder} is None')
            if target is REDACTED or type(target) is Redacted:
                raise EvalError('the value is redacted by the agent\'s configuration')
            key = static_key if key_fn is None else key_fn(scope)
            if type(key) is str and redaction.is_secret_key(key):
                return REDACTED
            if static and prop_node['k'] == 'lit' and type(key) is str and not e['src'].endswith(']'):
                return read_item(target, key, src) if is_a(target, dict) else read_attribute(target, key, src)
            return read_item(target, key, src)
        return run

    def k_unary(self, e: dict[str, Any]) -> Compiled:
        arg, op = self.node(e['arg']), e['op']
        return lambda scope: unary(op, _settle(arg(scope)))

    def k_binary(self, e: dict[str, Any]) -> Compiled:
        left, right, op = self.node(e['left']), self.node(e['right']), e['op']
        return lambda scope: binary(op, _settle(left(scope)), _settle(right(scope)))

    def k_logical(self, e: dict[str, Any]) -> Compiled:
        left, right, op = self.node(e['left']), self.node(e['right']), e['op']
        if op == '&&':
            return lambda scope: (lambda a: right(scope) if truthy(a) else a)(_settle(left(scope)))
        if op == '||':
            return lambda scope: (lambda a: a if truthy(a) else right(scope))(_settle(left(scope)))
        return lambda scope: (lambda a: right(scope) if a is None else a)(_settle(left(scope)))

    def k_cond(self, e: dict[str, Any]) -> Compiled:
        test, then, other = self.node(e['test']), self.node(e['then']), self.node(e['else'])
        return lambda scope: then(scope) if truthy(_settle(test(scope))) else other(scope)

    def k_array(self, e: dict[str, Any]) -> Compiled:
        items = [self.node(item) for item in e['items']]
        return lambda scope: [_settle(item(scope)) for item in items]

    def k_helper(self, e: dict[str, Any]) -> Compiled:
        args = [self.node(a) for a in e['args']]
        name, text = e['name'], self.text

        def run(scope: Scope) -> Any:
            values = [_settle(a(scope)) for a in args]
            if name != 'str' and any(v is REDACTED for v in values):
                raise EvalError('the value is redacted by the agent\'s configuration')
            if name == 'len':
                return safe_len(values[0])
            if name == 'keys':
                return safe_keys(values[0])
            if name == 'has':
                return safe_has(values[0], values[1])
            return text(values[0])
        return run

    def k_method(self, e: dict[str, Any]) -> Compiled:
        target, arg = self.node(e['target']), self.node(e['args'][0])
        name, optional, src = e['name'], e['optional'], e['src']

        def run(scope: Scope) -> Any:
            value = target(scope)
            if value is _SHORT or (value is None and optional):
                return _SHORT
            needle = _settle(arg(scope))
            if value is REDACTED or needle is REDACTED:
                raise EvalError('the value is redacted by the agent\'s configuration')
            if is_a(value, str) and type(needle) is str:
                return {'startsWith': str.startswith, 'endsWith': str.endswith, 'includes': str.__contains__}[name](value, needle)
            if name == 'includes' and is_a(value, (list, tuple)):
                base = list if is_a(value, list) else tuple
                count = min(base.__len__(value), MAX_INCLUDES)
                nan = type(needle) is float and math.isnan(needle)
                return any(strict_equal(item, needle) or (nan and type(item) is float and math.isnan(item)) for item in (base.__getitem__(value, i) for i in range(count)))
            raise EvalError(f'`{src}`: .{name}() works on strings{" and lists" if name == "includes" else ""}, not on a {type(value).__name__}')
        return run


def _settle(value: Any) -> Any:
    return None if value is _SHORT else value


def _describe(expr: dict[str, Any]) -> str:
    if 'src' in expr:
        return f'`{expr["src"]}`'
    if expr['k'] == 'id':
        return f'`{expr["name"]}`'
    return 'the value'

