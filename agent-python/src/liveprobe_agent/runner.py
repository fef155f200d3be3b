"""`liveprobe-run python app.py …` (like `opentelemetry-instrument`): runs the program with the
agent started first, by putting a sitecustomize directory on PYTHONPATH for the child."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

USAGE = 'usage: liveprobe-run <program> [args…], e.g. liveprobe-run python app.py (configure with LIVEPROBE_* and OTEL_* variables)'


def main() -> None:
    args = sys.argv[1:]
    if not args or args[0] in ('-h', '--help'):
        print(USAGE, file=sys.stderr)
        sys.exit(0 if args else 2)
    if Path(args[0]).name == 'opentelemetry-instrument':
        # It puts its own sitecustomize first on PYTHONPATH, which starts no other: the app would
        # run without the agent, which would only start, for nothing, in the launcher.
        program = ' '.join(args[1:]) if args[1:] and not args[1].startswith('-') else '<program> [args…]'
        print('liveprobe-run: run it after opentelemetry-instrument, not before: '
              f'opentelemetry-instrument [its options] liveprobe-run {program} '
              "(opentelemetry-instrument's sitecustomize starts no other; liveprobe-run's starts the agent, then OpenTelemetry's)",
              file=sys.stderr)
        sys.exit(2)
    boot = str(Path(__file__).resolve().parent / 'boot')
    path = os.environ.get('PYTHONPATH')
    os.environ['PYTHONPATH'] = boot if not path else os.pathsep.join([boot, path])
    # `python` means the interpreter the agent is installed in, even when its venv is not activated.
    executable = sys.executable if args[0] in ('python', 'python3') else shutil.which(args[0])
    if executable is None:
        print(f'liveprobe-run: `{args[0]}` is not a program on PATH', file=sys.stderr)
        sys.exit(127)
    os.execv(executable, [executable, *args[1:]])
