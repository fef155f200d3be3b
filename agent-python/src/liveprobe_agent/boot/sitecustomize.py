"""Loaded by Python at start-up when `liveprobe-run` put this directory on PYTHONPATH: starts the
agent before the program, then hands over to any sitecustomize the environment already had."""
import importlib.machinery
import importlib.util
import os
import sys

# multiprocessing's own helper processes (started with `-c`, inheriting PYTHONPATH) run no
# application code: no agent there, as no worker of the app's.
_HELPERS = ('from multiprocessing.resource_tracker import', 'from multiprocessing.forkserver import')
_argv = getattr(sys, 'orig_argv', [])
_helper = '-c' in _argv[:-1] and _argv[_argv.index('-c') + 1].startswith(_HELPERS)

if not _helper:
    try:
        import liveprobe_agent
        liveprobe_agent.start()
    except Exception as err:  # the program must run whatever happens to the agent
        print(f'[liveprobe] the agent could not start: {err!r}', file=sys.stderr)

_here = os.path.dirname(os.path.abspath(__file__))
_rest = [p for p in sys.path if os.path.abspath(p or '.') != _here]
_spec = importlib.machinery.PathFinder.find_spec('sitecustomize', _rest)
if _spec is not None and _spec.loader is not None:
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
