# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The diff of every module that changes something: one shape, built one way, returned in diff mode only.

A module describes the thing it manages as a *view* (a dict of what ``--diff`` should show) before and after
its run, or entry by entry (an instance id and its role), and hands the result to ``Diff.attach``:

    diff = Diff(f'role {name}')
    diff.view(view(before), view(after))     # or diff.add(key, before, after) per entry
    diff.attach(module, result)

The rules, the same for every module:

* ``result['diff']`` exists only in diff mode (``--diff``, ``diff: true``); otherwise the result has no ``diff`` key.
* Its shape is always ``{'before': dict, 'after': dict, 'before_header': str, 'after_header': str}``. A thing that
  does not exist (before a create, after a delete) is ``{}``. The headers name the thing, so Ansible's unified diff
  reads ``--- before: role EcsRamRoleTest``.
* In check mode the module feeds its predicted after: a check run and the real run give the same diff.
* Values are plain data (str, int, float, bool, None, lists and dicts with string keys; a tuple becomes a list), so
  both the ``json`` and the ``yaml`` result format of the callbacks render them line by line. Policy documents are
  dicts in the canonical form of ``_policy.normalize_policy`` (not JSON text: a text value is one line in the
  rendered diff, a dict is one line per statement field, and the canonical form shows only changes of meaning).
* Keys keep the order the module gives them (never a set's order); the callbacks sort them anyway.
* Secret-free: a module feeds names, ids, counts and documents only, never a credential or a password; the exit
  path of ``AlicloudModule`` censors every ``no_log`` value in the whole result, the diff included.
"""
from __future__ import annotations

_SCALARS = (str, int, float, bool, type(None))


def plain(value, where='diff'):
    """`value` as plain YAML/JSON data (tuples as lists); TypeError naming the place of anything else."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(item, f'{where}[{index}]') for index, item in enumerate(value)]
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f'{where}: key {key!r} is not a string')
        return {key: plain(item, f'{where}.{key}') for key, item in value.items()}
    raise TypeError(f'{where}: {type(value).__name__} is not plain data')


class Diff:
    """Before and after of one thing a module manages, for ``--diff``."""

    def __init__(self, header):
        self.header = header
        self.before = {}
        self.after = {}

    def view(self, before, after):
        """The whole views before and after the run (None or {} for a side where the thing does not exist)."""
        self.before.update(plain(before or {}, 'before'))
        self.after.update(plain(after or {}, 'after'))
        return self

    def add(self, key, before, after):
        """One entry (an instance and its role, say): `key` on both sides."""
        if not isinstance(key, str):
            raise TypeError(f'diff: key {key!r} is not a string')
        self.before[key] = plain(before, f'before.{key}')
        self.after[key] = plain(after, f'after.{key}')
        return self

    def as_dict(self):
        return {'before': self.before, 'after': self.after,
                'before_header': self.header, 'after_header': self.header}

    def attach(self, module, result):
        """Put the diff in `result` when `module` runs in diff mode; return `result`."""
        if module.diff_mode:
            result['diff'] = self.as_dict()
        return result
