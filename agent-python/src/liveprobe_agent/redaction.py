"""Redaction with the Node agent's defaults: key names hidden word by word (`api_key` hides
`apiKey`, `API_KEY`, `x-api-key`), value patterns (Luhn-valid card numbers, bearer/basic
credentials, JWTs, optionally emails, own regexes) masked inside every string shown. Settings
come from the agent's own configuration only."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

REDACTED_TEXT = '[REDACTED]'
DEFAULT_REDACTED_KEYS = (
    'password', 'passwd', 'pwd', 'passphrase', 'secret', 'token', 'authorization', 'cookie',
    'api_key', 'apikey', 'access_key', 'private_key', 'session_id', 'ssn', 'credit_card',
    'card_number', 'cardnumber', 'cvv', 'cvc',
)
BUILT_IN_PATTERNS = ('card', 'bearer', 'jwt', 'email')
DEFAULT_PATTERNS = ('card', 'bearer', 'jwt')
KEY_CACHE_LIMIT = 4096


@dataclass
class RedactionSettings:
    keys: list[str] = field(default_factory=lambda: list(DEFAULT_REDACTED_KEYS))
    patterns: list[str] = field(default_factory=lambda: list(DEFAULT_PATTERNS))
    regexes: list[str] = field(default_factory=list)
    # The blocklist's variables, hidden exactly as written wherever they appear.
    exact_keys: list[str] = field(default_factory=list)


def _luhn(candidate: str) -> bool:
    digits = [int(c) for c in candidate if c.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


Masker = tuple[Callable[[str], bool], 're.Pattern[str]', Callable[[str], 'str | None']]

_NO_DIGITS = str.maketrans('', '', '0123456789')


def _digits(text: str) -> int:
    return len(text) - len(text.translate(_NO_DIGITS))


# Each pattern has a cheap test (C-level string operations) that rules most strings out first.
BUILT_IN: dict[str, Callable[[], Masker]] = {
    'card': lambda: (lambda s: len(s) >= 13 and _digits(s) >= 13, re.compile(r'(?<!\d)[2-6](?:[ -]?\d){12,18}(?!\d)'),
                     lambda m: REDACTED_TEXT if _luhn(m) else None),
    'bearer': lambda: (lambda s: len(s) >= 14 and (' ' in s or '\t' in s or '\n' in s), re.compile(r'\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]{8,}=*', re.I),
                       lambda m: f'{re.match(r"[A-Za-z]+", m).group(0)} {REDACTED_TEXT}'),  # type: ignore[union-attr]
    'jwt': lambda: (lambda s: len(s) >= 20 and 'eyJ' in s, re.compile(r'\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*'), lambda m: REDACTED_TEXT),
    'email': lambda: (lambda s: '@' in s, re.compile(r'[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}'), lambda m: REDACTED_TEXT),
}

_WORD = re.compile(r'[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z\u0080-\uffff]+|[A-Z]+|\d+')


def words(key: str) -> list[str]:
    """`apiKey`, `API_KEY`, `x-api-key` → ['api', 'key'] (with the `x` in front for the last)."""
    out: list[str] = []
    for chunk in re.split(r'[^A-Za-z0-9\u0080-\uffff]+', key):
        out.extend(w.lower() for w in _WORD.findall(chunk))
    return out


class Redaction:
    def __init__(self, settings: RedactionSettings) -> None:
        self.key_words = [w for w in (words(k) for k in settings.keys) if w]
        self.joined = {''.join(w) for w in self.key_words}
        self.exact = set(settings.exact_keys)
        self.maskers = [BUILT_IN[name]() for name in settings.patterns]
        self.maskers += [((lambda s: True), re.compile(source, re.I), (lambda m: REDACTED_TEXT)) for source in settings.regexes]
        self.cache: dict[str, bool] = {}

    def is_secret_key(self, key: str) -> bool:
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        secret = self._matches(key)
        if len(self.cache) >= KEY_CACHE_LIMIT:
            self.cache.clear()
        self.cache[key] = secret
        return secret

    def scrub(self, text: str) -> str:
        for may_match, regex, replace in self.maskers:
            if may_match(text):
                text = regex.sub(lambda m: replace(m.group(0)) or m.group(0), text)
        return text

    def _matches(self, key: str) -> bool:
        if key in self.exact:
            return True
        parts = words(key)
        if ''.join(parts) in self.joined or any(p in self.joined for p in parts):
            return True
        return any(_contains_run(parts, run) for run in self.key_words)


def _contains_run(parts: list[str], run: list[str]) -> bool:
    return any(parts[i:i + len(run)] == run for i in range(len(parts) - len(run) + 1))
