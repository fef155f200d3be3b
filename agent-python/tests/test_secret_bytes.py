"""Secrets in bytes and in `(name, value)` pairs are hidden as they are in strings and dicts:
ASGI apps (FastAPI, Starlette, Django's ASGI handler) hold request headers as a list of
`(bytes, bytes)` pairs, where neither a key's name nor a string's value patterns used to apply,
so a snapshot showed a JWT or a cookie as a list of byte values anyone could decode."""
import pytest

from liveprobe_agent.redaction import Redaction, RedactionSettings
from liveprobe_agent.serialize import Capture, CaptureLimits, render

JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxfQ.abcdefghijklmnopqrstuvwxyz012345'


def shown(value: object) -> str:
    return render(Capture(CaptureLimits(), Redaction(RedactionSettings())).value(value))


@pytest.mark.parametrize(('value', 'expected'), [
    ((b'authorization', f'Token {JWT}'.encode()), 'tuple(2) [bytes(13) [97, 117, 116, 104, 111, 114, 105, 122, 97, 116, 105, 111, 110], [REDACTED]]'),
    ((b'cookie', b'session=abc'), 'tuple(2) [bytes(6) [99, 111, 111, 107, 105, 101], [REDACTED]]'),
    (('X-Api-Key', 'k-123'), 'tuple(2) ["X-Api-Key", [REDACTED]]'),
    ((b'x-forwarded-authorization', bytearray(b'Bearer abcdefgh12345678')), 'tuple(2) [bytes(25) [120, 45, 102, 111, 114, 119, 97, 114, 100, 101, 100, 45, 97, 117, 116, 104, 111, 114, 105, 122, …+5 more], [REDACTED]]'),
    (b'Bearer abcdefgh12345678', '[REDACTED]'),
    (bytearray(JWT.encode()), '[REDACTED]'),
    ((b'host', b'shop:80'), 'tuple(2) [bytes(4) [104, 111, 115, 116], bytes(7) [115, 104, 111, 112, 58, 56, 48]]'),
    (('sku', 'tea'), 'tuple(2) ["sku", "tea"]'),
], ids=['asgi authorization', 'asgi cookie', 'str pair', 'bytearray value', 'bearer bytes', 'jwt bytearray', 'plain header', 'plain pair'])
def test_secret_bytes_and_secret_named_pairs_are_hidden(value: object, expected: str) -> None:
    assert shown(value) == expected


def test_asgi_headers_show_every_other_header() -> None:
    headers = [(b'host', b'api'), (b'authorization', f'Token {JWT}'.encode()), (b'accept', b'*/*')]
    assert shown(headers) == ('[tuple(2) [bytes(4) [104, 111, 115, 116], bytes(3) [97, 112, 105]], '
                              'tuple(2) [bytes(13) [97, 117, 116, 104, 111, 114, 105, 122, 97, 116, 105, 111, 110], [REDACTED]], '
                              'tuple(2) [bytes(6) [97, 99, 99, 101, 112, 116], bytes(3) [42, 47, 42]]]')
