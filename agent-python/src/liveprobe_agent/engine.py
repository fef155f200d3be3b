"""Installs and removes actions, reconciling toward the desired set, on the agent's own thread:
locating the code, checking the deployed line and the blocklist, adding sites to the mechanism,
and reporting each action's status with the Node agent's wording. Actions whose file is not
imported yet, or whose function a running module body has not defined yet, wait and install when
it is."""
from __future__ import annotations

import json
import linecache
import sys
import time
import types
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from .blocklist import BlockedByAgentError, Blocklist
from .expression.errors import ExpressionError
from .instrument.locate import (LocationError, Located, NotDefinedYetError, body_progress, code_objects, function_name, locate,
                                match_file, loaded_files, modules_of)
from .instrument.mechanism import Mechanism
from .instrument.sites import Site
from .probe import ArmedProbe, Settings

FIRST_PAUSE_S = 1.0
LONGEST_PAUSE_S = 60.0
# How often a module body's progress may send waiting actions to look again: each look walks the
# garbage collector's objects, and a long import defines many names.
RECHECK_S = 0.2
Report = Callable[[str, str, 'str | None', 'dict[str, Any] | None'], None]
# The action types placed at a line (exception actions go to ExceptionWatch). Another is refused
# with why, rather than waiting for a file it may not name.
TYPES = ('log', 'snapshot', 'counter', 'metric', 'tictoc', 'duration')


def unsupported(kind: object) -> str:
    return f'the Python agent has no `{kind}` actions; is the control plane newer than the agent?'


class SourceDiffersError(Exception):
    code = 'source_differs'


@dataclass
class Installed:
    probe: ArmedProbe
    sites: list[tuple[Site, Callable[[types.FrameType], None]]] = field(default_factory=list)
    resume_at: float | None = None
    pauses: list[float] = field(default_factory=list)


def _normalize(text: str) -> str:
    return ' '.join(text.split())


class Engine:
    def __init__(self, settings: Settings, blocklist: Blocklist, outbox: deque[tuple[Any, ...]], report: Report, log: Callable[[str], None]) -> None:
        self.settings = settings
        self.blocklist = blocklist
        self.outbox = outbox
        self.report = report
        self.log = log
        self.mechanism = Mechanism()
        self.installed: dict[str, Installed] = {}
        self.waiting: dict[str, dict[str, Any]] = {}
        self.finished: set[str] = set()
        self.registry: dict[tuple[types.CodeType, str, int], Site] = {}
        self.modules_seen = 0
        # Actions waiting for a running module body to define their function: its modules and their progress when last looked.
        self.bodies: dict[str, tuple[list[types.ModuleType], tuple[tuple[bool, int], ...]]] = {}
        self.bodies_checked = 0.0
        # Why each waiting action waits (the kind of LocationError), as last reported: said again when it changes.
        self.waiting_for: dict[str, str] = {}
        # Each desired action's definition: an edit (PATCH) keeps the id and changes the rest.
        self.definitions: dict[str, str] = {}
        # Refused by the blocklist: installed again when a new configuration allows them.
        self.blocked: dict[str, dict[str, Any]] = {}

    def reconcile(self, desired: list[dict[str, Any]]) -> None:
        wanted = {a['id']: a for a in desired}
        definitions = {a['id']: json.dumps(a, sort_keys=True) for a in desired}
        carried: dict[str, int] = {}
        for action_id, definition in definitions.items():
            if action_id in self.definitions and self.definitions[action_id] != definition:
                carried[action_id] = self.drop_edited(action_id)
        self.definitions = definitions
        for action_id in list(self.installed):
            if action_id not in wanted:
                self.remove(action_id, 'removed', 'the action was removed')
        for action_id in list(self.waiting):
            if action_id not in wanted:
                del self.waiting[action_id]
                # Said as for an installed one (and as the Node.js agent says it): a disable waits for this answer.
                self.report(action_id, 'removed', 'the action was removed', None)
        self.blocked = {k: v for k, v in self.blocked.items() if k in wanted}
        self.finished &= set(wanted)
        for action in wanted.values():
            if action['id'] not in self.installed and action['id'] not in self.finished and action['id'] not in self.waiting:
                self.install(action)
                if action['id'] in self.installed:
                    self.installed[action['id']].probe.hits = carried.get(action['id'], 0)

    def apply_blocklist(self, blocklist: Blocklist) -> None:
        """A new configuration: installed actions it forbids leave now; those only the old one refused install."""
        self.blocklist = blocklist
        previously = dict(self.blocked)
        for action_id, entry in list(self.installed.items()):
            probe = entry.probe
            try:
                blocklist.check([probe.action['file'], probe.file], probe.function, probe.expressions())
            except BlockedByAgentError as err:
                del self.installed[action_id]
                probe.done = probe.off = True
                self.detach(entry)
                self.blocked[action_id] = probe.action
                self.finished.add(action_id)
                self.report(action_id, 'error', f"removed after the agent's configuration changed: {err}", None)
        for action_id, action in previously.items():
            del self.blocked[action_id]
            self.finished.discard(action_id)
            self.install(action)

    def drop_edited(self, action_id: str) -> int:
        """An edited action leaves its sites so its new definition installs fresh; its hits count on."""
        self.finished.discard(action_id)
        self.waiting.pop(action_id, None)
        self.blocked.pop(action_id, None)
        entry = self.installed.pop(action_id, None)
        if entry is None:
            return 0
        entry.probe.done = entry.probe.off = True
        self.detach(entry)
        return entry.probe.hits

    def install(self, action: dict[str, Any], retry: bool = False) -> None:
        action_id = action['id']
        if action.get('type') not in TYPES:
            return self.fail(action_id, unsupported(action.get('type')))
        try:
            probe = ArmedProbe(action, self.settings, self.outbox, action['file'], action.get('line', 0), None)
        except ExpressionError as err:
            return self.fail(action_id, str(err))
        except (KeyError, TypeError, ValueError) as err:
            # Desired state that did not come from a control plane (only signatures rule that out).
            return self.fail(action_id, f'the agent cannot read this action ({type(err).__name__}: {err}); is the control plane newer than the agent?')
        if time.time() >= probe.expires_at:
            self.finished.add(action_id)
            return self.report(action_id, 'expired', f'expired at {action["expiresAt"]}', None)
        try:
            places = self.places(action)
            first = places[0][0]
            probe.file, probe.line, probe.function = first.path, first.line, function_name(first.code)
            if action.get('lineText') is not None and action.get('line'):
                self.check_line_text(action['lineText'], first.path, action['line'])
            for located, _ in places:
                self.blocklist.check([action['file'], located.path], function_name(located.code), probe.expressions())
        except LocationError as err:
            if err.waiting:
                self.waiting[action_id] = action
                if isinstance(err, NotDefinedYetError):
                    self.bodies[action_id] = (err.modules, body_progress(err.modules))
                if retry and self.waiting_for.get(action_id) == type(err).__name__:
                    return None
                self.waiting_for[action_id] = type(err).__name__
                return self.report(action_id, 'pending', str(err), None)
            return self.fail(action_id, str(err))
        except BlockedByAgentError as err:
            self.blocked[action_id] = action
            return self.fail(action_id, str(err))
        except (SourceDiffersError, ExpressionError) as err:
            return self.fail(action_id, str(err))
        self.waiting.pop(action_id, None)
        self.waiting_for.pop(action_id, None)
        entry = Installed(probe)
        for located, role in places:
            kind, callback = {'line': ('line', probe.hit), 'tic': ('line', probe.enter), 'entry': ('entry', probe.enter), 'return': ('return', probe.hit)}[role]
            site = self.attach(located, kind, callback)
            entry.sites.append((site, callback))
        self.installed[action_id] = entry
        described = self.describe(action, places)
        message = self.mechanism.name if described is None else f'{self.mechanism.name}; {described}'
        self.report(action_id, 'installed', message, {'file': first.path, 'line': first.line})

    def places(self, action: dict[str, Any]) -> list[tuple[Located, str]]:
        """Where the action's sites go, and the role of each."""
        originals = self.mechanism.originals()
        if action['type'] == 'tictoc':
            toc = action['toc']
            return [(locate(action['file'], action['line'], originals), 'tic'), (locate(toc.get('file') or action['file'], toc['line'], originals), 'line')]
        if action['type'] == 'duration':
            located = self.function_named(action['file'], action['function']) if action.get('function') else locate(action['file'], action['line'], originals)
            located.line = located.code.co_firstlineno
            return [(located, 'entry'), (located, 'return')]
        return [(locate(action['file'], action['line'], originals), 'line')]

    def function_named(self, file: str, name: str) -> Located:
        path = match_file(file, loaded_files())
        codes, parents, undefined = code_objects(path)
        originals = self.mechanism.originals()
        for code in codes:
            original = originals.get(code, code)
            if function_name(original) == name or original.co_name == name:
                if code in undefined:
                    raise NotDefinedYetError(function_name(original), path, modules_of(path))
                return Located(path, original, original.co_firstlineno, parents)
        raise LocationError(f'no function named `{name}` in {path}', False)

    def describe(self, action: dict[str, Any], places: list[tuple[Located, str]]) -> str | None:
        first = places[0][0]
        if action['type'] == 'duration':
            return f'measuring {function_name(first.code)} from line {first.line} to its returns'
        if action['type'] == 'tictoc':
            return f'tic at line {first.line}, toc at line {places[1][0].line}'
        if first.line != action['line']:
            return f'line {action["line"]} has no code; installed at line {first.line}, the next line with code'
        return None

    def check_line_text(self, expected: str, path: str, line: int) -> None:
        linecache.checkcache(path)
        actual = linecache.getline(path, line)
        if _normalize(actual) != _normalize(expected):
            raise SourceDiffersError(
                f'deployed source differs at {path}:{line}: the running code has `{_normalize(actual)[:200]}` where you expect `{_normalize(expected)[:200]}`; deploy the code you are reading, or name the line as deployed')

    def attach(self, located: Located, kind: str, callback: Callable[[types.FrameType], None]) -> Site:
        key = (located.code, kind, located.line if kind == 'line' else 0)
        site = self.registry.get(key)
        if site is None:
            site = Site(located.code, kind, key[2])
            self.registry[key] = site
            site.callbacks = (callback,)
            self.mechanism.add(site, located.parents)
        else:
            site.callbacks = site.callbacks + (callback,)
        return site

    def detach(self, entry: Installed) -> None:
        for site, callback in entry.sites:
            site.callbacks = tuple(c for c in site.callbacks if c is not callback)
            if not site.callbacks:
                self.registry.pop((site.code, site.kind, site.line), None)
                self.mechanism.remove(site)
        entry.sites.clear()

    def remove(self, action_id: str, state: str, message: str) -> None:
        entry = self.installed.pop(action_id, None)
        if entry is None:
            return
        entry.probe.done = entry.probe.off = True
        self.detach(entry)
        self.report(action_id, state, message, None)

    def finish(self, probe: ArmedProbe, reason: str) -> None:
        if self.installed.get(probe.id, None) is None or self.installed[probe.id].probe is not probe:
            return
        message = f'reached its limit of {probe.max_hits} hit{"" if probe.max_hits == 1 else "s"}' if reason == 'hit_limit' else 'expired'
        self.remove(probe.id, reason, message)
        self.finished.add(probe.id)

    def pause(self, probe: ArmedProbe, reason: str) -> None:
        entry = self.installed.get(probe.id)
        if entry is None or entry.probe is not probe or entry.resume_at is not None:
            return
        now = time.monotonic()
        entry.pauses = [t for t in entry.pauses if now - t < LONGEST_PAUSE_S] + [now]
        delay = min(FIRST_PAUSE_S * 2 ** (len(entry.pauses) - 1), LONGEST_PAUSE_S)
        entry.resume_at = now + delay
        self.report(probe.id, 'paused', f'{reason}; resuming in {delay:g} s', None)

    def tick(self) -> None:
        """Resumes paused actions, expires old ones, and installs those whose module was imported."""
        now = time.monotonic()
        for entry in list(self.installed.values()):
            probe = entry.probe
            if entry.resume_at is not None and now >= entry.resume_at:
                delay = min(FIRST_PAUSE_S * 2 ** (len(entry.pauses) - 1), LONGEST_PAUSE_S)
                entry.resume_at = None
                probe.byte_rate.refill()
                probe.off = False
                self.report(probe.id, 'resumed', f'resumed after {delay:g} s; the quota has refilled', None)
            if time.time() >= probe.expires_at and not probe.done:
                # Here, not through the outbox: the control plane's own expiry sweep may follow at once.
                probe.done = probe.off = True
                self.finish(probe, 'expired')
        if self.waiting and (len(sys.modules) != self.modules_seen or self.bodies_moved(now)):
            self.modules_seen = len(sys.modules)
            self.bodies.clear()
            for action in list(self.waiting.values()):
                del self.waiting[action['id']]
                self.install(action, retry=True)
        if self.waiting_for.keys() - self.waiting.keys() or self.bodies.keys() - self.waiting.keys():
            # Waiting actions taken away (reconcile, an edit) leave their notes here.
            self.waiting_for = {k: v for k, v in self.waiting_for.items() if k in self.waiting}
            self.bodies = {k: v for k, v in self.bodies.items() if k in self.waiting}

    def bodies_moved(self, now: float) -> bool:
        """A module body an action waits on defined a name or finished importing since the last look."""
        if not self.bodies or now - self.bodies_checked < RECHECK_S:
            return False
        self.bodies_checked = now
        return any(body_progress(modules) != seen for modules, seen in self.bodies.values())

    def fail(self, action_id: str, message: str) -> None:
        self.finished.add(action_id)
        self.report(action_id, 'error', message, None)

    def close(self) -> None:
        for action_id in list(self.installed):
            entry = self.installed.pop(action_id)
            entry.probe.off = True
            self.detach(entry)
