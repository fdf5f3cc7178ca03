"""Offline stand-in for get-pip.py, which ansible-test downloads to bootstrap pip in its venvs.

Installed into ~/.ansible/test/cache only when that download fails (tools/ansible_test_setup.py).
It seeds pip from the interpreter's own ensurepip (in a subprocess: ensurepip run in-process sets
PIP_CONFIG_FILE=/dev/null, which would drop the machine's pip configuration), then lets that pip
install the version ansible-test asked for from the package index.
"""
from __future__ import annotations

import importlib
import runpy
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]  # get-pip-only flags
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade'], stdout=subprocess.DEVNULL)
importlib.invalidate_caches()
sys.argv = ['pip', 'install', '--upgrade', '--force-reinstall'] + args
runpy.run_module('pip', run_name='__main__', alter_sys=True)
