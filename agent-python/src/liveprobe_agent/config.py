"""The agent's configuration from the same LIVEPROBE_* variables and LIVEPROBE_CONFIG JSON file as
the Node agent (docs/configuration.md): lists from the file add to the environment's, single
values from the environment win. A mistake raises ConfigError, which disables the agent."""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any, Mapping

from .redaction import BUILT_IN_PATTERNS, DEFAULT_PATTERNS, DEFAULT_REDACTED_KEYS, RedactionSettings
from .serialize import CaptureLimits

TOPIC_SAFE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$')
MIN_CAPTURE_BYTES = 64
CAPTURE_VARIABLES = {
    'depth': ('LIVEPROBE_CAPTURE_DEPTH', 'depth'), 'properties': ('LIVEPROBE_CAPTURE_PROPERTIES', 'properties'),
    'items': ('LIVEPROBE_CAPTURE_ITEMS', 'items'), 'string_length': ('LIVEPROBE_CAPTURE_STRING_LENGTH', 'stringLength'),
    'total_bytes': ('LIVEPROBE_CAPTURE_BYTES', 'totalBytes'),
}


LOG_OUTPUTS = ('otel', 'live', 'console', 'logger')


class ConfigError(Exception):
    """A setting the agent cannot accept: the app runs as if the agent were not loaded."""


@dataclass
class Quotas:
    hits_per_second: float = 200
    bytes_per_second: float = 256 * 1024
    cpu_ms_per_second: float = 50


@dataclass
class Blocklist:
    files: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)


@dataclass
class AgentConfig:
    broker_url: str
    tags: list[str]
    agent_id: str
    topic_prefix: str
    live_output_per_second: float
    log_level: str
    capture: CaptureLimits
    redaction: RedactionSettings
    blocklist: Blocklist
    quotas: Quotas
    exit_flush_ms: int = 1000
    config_file: str | None = None
    log_outputs: list[str] = field(default_factory=lambda: ['otel', 'live'])


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or '').split(',') if item.strip()]


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, '').strip()
    if raw == '':
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f'{name}: "{raw}" must be a non-negative number') from None
    if value < 0:
        raise ConfigError(f'{name}: "{raw}" must be a non-negative number')
    return value


def _flag(name: str, value: str) -> bool:
    normalized = value.strip().lower()
    if normalized in ('1', 'true', 'yes', 'on'):
        return True
    if normalized in ('0', 'false', 'no', 'off'):
        return False
    raise ConfigError(f'{name}: "{value}" is not true or false')


def read_file(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
    except OSError as err:
        raise ConfigError(f'LIVEPROBE_CONFIG: cannot read {path}: {err.strerror}') from None
    except json.JSONDecodeError as err:
        raise ConfigError(f'LIVEPROBE_CONFIG: {path} is not JSON: {err.msg} at line {err.lineno}') from None
    if not isinstance(data, dict):
        raise ConfigError(f'LIVEPROBE_CONFIG: {path} must hold a JSON object')
    for section in ('redact', 'block', 'capture', 'quotas', 'output'):
        if section in data and not isinstance(data[section], dict):
            raise ConfigError(f'LIVEPROBE_CONFIG: {path}: `{section}` must be an object')
    return data


def read_config(env: Mapping[str, str] = os.environ) -> AgentConfig:
    tags = _list(env.get('LIVEPROBE_TAGS'))
    for tag in tags:
        if not TOPIC_SAFE.match(tag):
            raise ConfigError(f'LIVEPROBE_TAGS: "{tag}" is not a valid tag; use letters, digits, ".", "_", ":" or "-"')
    agent_id = env.get('LIVEPROBE_AGENT_ID', '').strip() or _default_agent_id()
    if not TOPIC_SAFE.match(agent_id):
        raise ConfigError(f'LIVEPROBE_AGENT_ID: "{agent_id}" is not a valid id; use letters, digits, ".", "_", ":" or "-"')
    log_level = env.get('LIVEPROBE_LOG_LEVEL', 'info')
    if log_level not in ('silent', 'info', 'debug'):
        raise ConfigError(f'LIVEPROBE_LOG_LEVEL: "{log_level}" is not one of silent, info, debug')
    path = env.get('LIVEPROBE_CONFIG', '').strip()
    file = read_file(path) if path else {}
    block_file = file.get('block', {})
    blocklist = Blocklist(
        files=_list(env.get('LIVEPROBE_BLOCK_FILES')) + list(block_file.get('files', [])),
        functions=_list(env.get('LIVEPROBE_BLOCK_FUNCTIONS')) + list(block_file.get('functions', [])),
        variables=_list(env.get('LIVEPROBE_BLOCK_VARIABLES')) + list(block_file.get('variables', [])),
    )
    redaction = _redaction(env, file.get('redact', {}))
    redaction.exact_keys = list(blocklist.variables)
    quota_file = file.get('quotas', {})
    return AgentConfig(
        broker_url=env.get('LIVEPROBE_BROKER_URL', '').strip() or 'mqtt://127.0.0.1:1883',
        tags=tags,
        agent_id=agent_id,
        topic_prefix=env.get('LIVEPROBE_TOPIC_PREFIX', '').strip() or 'liveprobe/v1',
        live_output_per_second=_number(env, 'LIVEPROBE_LIVE_OUTPUT_PER_SECOND', 50),
        log_level=log_level,
        capture=_capture(env, file.get('capture', {})),
        redaction=redaction,
        blocklist=blocklist,
        quotas=Quotas(
            hits_per_second=_number(env, 'LIVEPROBE_QUOTA_HITS_PER_SECOND', quota_file.get('hitsPerSecond', 200)),
            bytes_per_second=_number(env, 'LIVEPROBE_QUOTA_BYTES_PER_SECOND', quota_file.get('bytesPerSecond', 256 * 1024)),
            cpu_ms_per_second=_number(env, 'LIVEPROBE_CPU_BUDGET_MS_PER_SECOND', quota_file.get('cpuMsPerSecond', 50)),
        ),
        exit_flush_ms=int(_number(env, 'LIVEPROBE_EXIT_FLUSH_MS', 1000)),
        config_file=path or None,
        log_outputs=_log_outputs(env, path, file.get('output', {})),
    )


def _log_outputs(env: Mapping[str, str], path: str, file: dict[str, Any]) -> list[str]:
    """LIVEPROBE_LOG_OUTPUTS over the file's `output.log` over `otel,live`, as the Node agent reads them."""
    named = _list(env.get('LIVEPROBE_LOG_OUTPUTS'))
    if named:
        _check_outputs('LIVEPROBE_LOG_OUTPUTS', named)
        return list(dict.fromkeys(named))
    if 'log' not in file:
        return ['otel', 'live']
    _check_outputs(f'LIVEPROBE_CONFIG: {path}: `output.log`', file['log'])
    return list(file['log'])


def _check_outputs(where: str, value: Any) -> None:
    if not (isinstance(value, list) and value and all(isinstance(v, str) and v in LOG_OUTPUTS for v in value)):
        raise ConfigError(f'{where} must list one or more of {", ".join(LOG_OUTPUTS)}, e.g. ["otel", "live", "console"]')


def _capture(env: Mapping[str, str], file: dict[str, Any]) -> CaptureLimits:
    limits = CaptureLimits()
    for attribute, (variable, key) in CAPTURE_VARIABLES.items():
        raw = env.get(variable, '').strip()
        value = file.get(key) if raw == '' else raw
        if value is None:
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if number <= 0 or str(number) != str(value).strip():
            source = variable if raw else f'LIVEPROBE_CONFIG capture.{key}'
            raise ConfigError(f'{source}: "{value}" must be a positive integer')
        setattr(limits, attribute, number)
    if limits.total_bytes < MIN_CAPTURE_BYTES:
        raise ConfigError(f'LIVEPROBE_CAPTURE_BYTES: {limits.total_bytes} bytes cannot hold a useful capture; use at least {MIN_CAPTURE_BYTES}')
    return limits


def _redaction(env: Mapping[str, str], file: dict[str, Any]) -> RedactionSettings:
    keys = list(DEFAULT_REDACTED_KEYS) + _list(env.get('LIVEPROBE_REDACT_KEYS')) + list(file.get('keys', []))
    named = _list(env.get('LIVEPROBE_REDACT_PATTERNS')) if env.get('LIVEPROBE_REDACT_PATTERNS', '').strip() else list(file.get('patterns', DEFAULT_PATTERNS))
    patterns: list[str] = []
    for name in named:
        if name == 'none':
            continue
        if name not in BUILT_IN_PATTERNS:
            raise ConfigError(f'LIVEPROBE_REDACT_PATTERNS: "{name}" is not a built-in pattern; use {", ".join(BUILT_IN_PATTERNS)} or none (own regular expressions go in LIVEPROBE_CONFIG under redact.regexes)')
        if name not in patterns:
            patterns.append(name)
    raw_emails = env.get('LIVEPROBE_REDACT_EMAILS', '').strip()
    emails = _flag('LIVEPROBE_REDACT_EMAILS', raw_emails) if raw_emails else file.get('emails')
    if emails is True and 'email' not in patterns:
        patterns.append('email')
    if emails is False and 'email' in patterns:
        patterns.remove('email')
    regexes = list(file.get('regexes', []))
    for source in regexes:
        try:
            re.compile(source)
        except re.error as err:
            raise ConfigError(f'LIVEPROBE_CONFIG redact.regexes: `{source}` is not a regular expression: {err}') from None
    return RedactionSettings(keys=keys, patterns=patterns, regexes=regexes)


def agent_id_in_child(configured: str | None) -> str:
    """A forked worker's id: a new default one, or the configured id with the worker's pid, so
    the workers of one server are distinct agents."""
    if configured is None or not configured.strip():
        return _default_agent_id()
    return f'{configured.strip()}-{os.getpid()}'


def _default_agent_id() -> str:
    host = re.sub(r'[^A-Za-z0-9._-]', '-', socket.gethostname())[:40] or 'host'
    return f'{host}-{os.getpid()}-{secrets.token_hex(3)}'
