"""liveprobe's Python agent: `import liveprobe_agent; liveprobe_agent.start()`, or run the app
with `liveprobe-run python app.py`. Configured from LIVEPROBE_* and OTEL_* variables."""
from __future__ import annotations

import os
import sys
import threading
from typing import Any

__version__ = '0.1.0'
__all__ = ['start', '__version__']

_lock = threading.Lock()
_agent: Any = None
_fork_hook = False
# `<pid> <id>`: the process whose agent took LIVEPROBE_AGENT_ID, and the id, for the processes
# that inherit its environment.
OWNER_VARIABLE = 'LIVEPROBE_AGENT_ID_OWNER'


def start() -> Any:
    """Starts the agent once per process; a configuration mistake disables it and says why on stderr."""
    global _agent, _fork_hook
    with _lock:
        if _agent is not None:
            return _agent
        _claim_agent_id()
        from .config import ConfigError, read_config
        try:
            config = read_config(os.environ)
        except ConfigError as err:
            print(f'[liveprobe] the agent is disabled: {err}', file=sys.stderr, flush=True)
            _agent = False
            return None
        from .agent import Agent
        _agent = Agent(config)
        _agent.start()
        if not _fork_hook:
            # Registered after the agent's imports: hooks run in registration order in a forked
            # child, so `logging` (which paho uses) has released its lock before this one starts
            # an agent there.
            os.register_at_fork(after_in_child=_after_fork)
            _fork_hook = True
        return _agent


def _claim_agent_id() -> None:
    """A process that inherited the environment of a process with an agent (a worker started by
    `multiprocessing`'s spawn or forkserver, as uvicorn --workers and --reload start theirs; a
    forked worker; a Python subprocess) would connect under the same id, which is the MQTT client
    id: the broker would hand the connection back and forth between them. It takes the configured
    id with its own pid instead, as a forked worker does. A child given an id of its own keeps it."""
    from .config import agent_id_in_child
    configured = os.environ.get('LIVEPROBE_AGENT_ID', '').strip()
    pid, _, owner_id = os.environ.get(OWNER_VARIABLE, '').partition(' ')
    if pid and pid != str(os.getpid()) and owner_id == configured:
        configured = os.environ['LIVEPROBE_AGENT_ID'] = agent_id_in_child(configured)
    os.environ[OWNER_VARIABLE] = f'{os.getpid()} {configured}'


def _after_fork() -> None:
    """A forked child (a pre-fork server's worker, a multiprocessing worker) has none of the
    agent's threads and shares its MQTT socket: the inherited agent is retired without touching
    the socket, its code changes undone, and the child starts an agent of its own."""
    global _agent
    inherited, _agent = _agent, None
    if not inherited:
        return
    try:
        inherited.retire_in_child()
    except Exception as err:  # the child must run whatever happens to the agent
        print(f'[liveprobe] could not retire the parent\'s agent in a forked child: {err!r}', file=sys.stderr)
    start()

