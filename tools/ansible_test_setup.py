"""Make ansible-test's pip bootstrap work on machines that cannot reach ci-files.testing.ansible.com.

ansible-test first looks for ~/.ansible/test/cache/get_pip_<version>.py and downloads it when it is
missing. We try that same download here; only if it fails do we put the offline stand-in in its
place, so a machine with internet access runs exactly what upstream ships.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def pip_version():
    import ansible_test  # pylint: disable=import-outside-toplevel
    path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(path, encoding='utf-8') as handle:
        match = re.search(r"pip='([0-9.]+)'", handle.read())
    if not match:
        sys.exit('ansible_test_setup: cannot find the pip version ansible-test bootstraps')
    return match.group(1)


def main():
    version = pip_version()
    cache = os.path.expanduser(f"~/.ansible/test/cache/get_pip_{version.replace('.', '_')}.py")
    if os.path.exists(cache):
        return
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    url = f'https://ci-files.testing.ansible.com/ansible-test/get-pip-{version}.py'
    try:
        with urllib.request.urlopen(url, timeout=15) as response, open(cache + '.download', 'wb') as out:
            shutil.copyfileobj(response, out)
        os.replace(cache + '.download', cache)
        print(f'ansible_test_setup: downloaded {url}')
    except OSError as exc:
        shutil.copyfile(os.path.join(HERE, 'get_pip_offline.py'), cache)
        print(f'ansible_test_setup: {url} unreachable ({exc.__class__.__name__}); using the offline pip bootstrap')


if __name__ == '__main__':
    main()
