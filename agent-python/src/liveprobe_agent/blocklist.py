"""Files, functions and variable names no action may read, from the agent's own configuration,
with the Node agent's globs and wording; the control plane cannot lift a rule."""
from __future__ import annotations

import re
from typing import Any

from .config import Blocklist as BlocklistSettings


class BlockedByAgentError(Exception):
    code = 'blocked_by_agent'

    def __init__(self, rule: str, what: str) -> None:
        super().__init__(f"{what} is blocked by this agent's configuration (blocklist rule {rule}); the agent never reads it, whatever the control plane asks. Probe another line, or change the agent's LIVEPROBE_BLOCK_* settings or the `block` section of its LIVEPROBE_CONFIG file")


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    normalized = pattern.replace('\\', '/')
    body = ''
    i = 0
    while i < len(normalized):
        ch = normalized[i]
        if normalized.startswith('**/', i):
            body += '(?:.*/)?'
            i += 3
            continue
        if normalized.startswith('**', i):
            body += '.*'
            i += 2
            continue
        body += '[^/]*' if ch == '*' else '[^/]' if ch == '?' else re.escape(ch)
        i += 1
    return re.compile(f'^{body}$' if normalized.startswith('/') else f'(?:^|/){body}$')


def names_read(expr: dict[str, Any]) -> list[str]:
    """Identifiers and literal property names an expression reads (`user.password` reads both)."""
    names: list[str] = []
    kind = expr['k']
    if kind == 'id':
        names.append(expr['name'])
    elif kind == 'member':
        names += names_read(expr['object'])
        prop = expr['property']
        names += [prop['v']] if prop['k'] == 'lit' and isinstance(prop['v'], str) else names_read(prop)
    for key in ('arg', 'left', 'right', 'test', 'then', 'else', 'target'):
        if key in expr and isinstance(expr[key], dict):
            names += names_read(expr[key])
    for key in ('items', 'args'):
        for item in expr.get(key, []):
            names += names_read(item)
    return names


class Blocklist:
    def __init__(self, settings: BlocklistSettings) -> None:
        self.files = [(p, glob_to_regex(p)) for p in settings.files]
        self.functions = [(p, re.compile('^' + '.*'.join(re.escape(part) for part in p.split('*')) + '$')) for p in settings.functions]
        self.variables = set(settings.variables)

    def check(self, files: list[str], function: str | None, expressions: list[dict[str, Any]]) -> None:
        for file in files:
            path = file.replace('\\', '/')
            for pattern, regex in self.files:
                if regex.search(path):
                    raise BlockedByAgentError(f'files: `{pattern}`', f'file `{file}`')
        if function is not None:
            for candidate in {function, function.rsplit('.', 1)[-1]}:
                for pattern, regex in self.functions:
                    if regex.match(candidate):
                        raise BlockedByAgentError(f'functions: `{pattern}`', f'function `{function}`')
        for expr in expressions:
            for name in names_read(expr):
                if name in self.variables:
                    raise BlockedByAgentError(f'variables: `{name}`', f'variable `{name}`')

    def blocks(self, file: str, function: str) -> bool:
        """Whether code in this file and function is off limits (an exception's throw site or caller)."""
        try:
            self.check([file], function, [])
        except BlockedByAgentError:
            return True
        return False

    def is_blocked_variable(self, name: str) -> bool:
        return name in self.variables
