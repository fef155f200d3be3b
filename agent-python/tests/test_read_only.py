"""Evaluation never runs application code, and redaction hides what the Node agent hides."""
import pytest

from liveprobe_agent.expression.evaluate import compile_expression
from liveprobe_agent.expression.parse import parse_expression
from liveprobe_agent.redaction import Redaction, RedactionSettings
from liveprobe_agent.safe_read import EvalError
from liveprobe_agent.serialize import Capture, CaptureLimits, render

ran = []


class Hooked:
    __slots__ = ('slot', '__dict__')

    def __init__(self):
        self.slot = 'in a slot'
        self.field = 7

    @property
    def prop(self):
        ran.append('property')

    def __getattr__(self, name):
        ran.append('__getattr__')

    def __eq__(self, other):
        ran.append('__eq__')
        return True

    __hash__ = object.__hash__

    def __len__(self):
        ran.append('__len__')
        return 99

    def __repr__(self):
        ran.append('__repr__')
        return 'x'


class Scope:
    def __init__(self, values):
        self.values = values

    def lookup(self, name):
        return self.values[name]

    def this(self):
        return self.values['self']


REDACTION = Redaction(RedactionSettings())


def evaluate(source, values):
    text = lambda v: render(Capture(CaptureLimits(), REDACTION).value(v))
    return compile_expression(parse_expression(source), REDACTION, text)(Scope(values))


@pytest.fixture(autouse=True)
def nothing_ran():
    ran.clear()
    yield
    assert ran == []


@pytest.mark.parametrize('source, expected', [
    ('h.field + 1', 8), ('h.slot', 'in a slot'), ('len(h)', 1), ('h === h', True), ('has(h, "prop")', True),
    ('keys(h)', ['field']), ('h ? "yes" : "no"', 'yes'), ('str(h)', 'Hooked { field: 7, prop: [Getter], slot: "in a slot" }'),
    ('[1, 2].includes(2)', True), ('"abc".startsWith("a")', True), ('d.a?.b ?? "none"', 'none'), ('d.a?.b.c', None), ('d.a?.b.startsWith("x")', None), ('d["k"]', 1),
    ('7 / 0', float('inf')), ('2 ** 10', 1024), ('typeof d', 'object'), ('this.field', 7),
])
def test_reads_without_running_application_code(source, expected):
    assert evaluate(source, {'h': Hooked(), 'd': {'k': 1, 'a': None}, 'self': Hooked()}) == expected


@pytest.mark.parametrize('source, message', [
    ('h.prop', '`h.prop` is a property; liveprobe never runs properties'),
    ('h.missing', "not an attribute of the object, and liveprobe never runs its class's __getattr__"),
    ('h == 1', 'between an object and a primitive would convert the object'),
    ('h + 1', 'needs primitive operands'),
    ('h < 2', 'needs primitive operands'),
    ('user.password == "x"', 'redacted by the agent'),
    ('missing_value.x', '`missing_value.x`: `missing_value` is None'),
])
def test_refuses_what_would_run_code_or_reveal_secrets(source, message):
    with pytest.raises(EvalError, match=message.replace('(', r'\(').replace('?', r'\?').replace('+', r'\+')):
        evaluate(source, {'h': Hooked(), 'user': {'password': 'x'}, 'missing_value': None})


@pytest.mark.parametrize('key, secret', [
    ('apiKey', True), ('API_KEY', True), ('x-api-key', True), ('accessToken', True), ('tokenizer', False),
    ('password', True), ('user_name', False), ('sessionId', True), ('cardNumber', True),
])
def test_key_names_are_matched_word_by_word(key, secret):
    assert REDACTION.is_secret_key(key) is secret


def test_value_patterns_mask_cards_credentials_and_jwts():
    text = 'card 4111 1111 1111 1111, auth Bearer abcdefgh12345, jwt eyJhbGciOi.eyJzdWIiOi.sig, id 1234567890123'
    assert REDACTION.scrub(text) == 'card [REDACTED], auth Bearer [REDACTED], jwt [REDACTED], id 1234567890123'
