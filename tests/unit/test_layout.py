# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The house rules of docs/developing.md, checked: what the checklists there ask of every new piece.

- every module is in the action group of meta/runtime.yml and extends the auth and attributes fragments, with one
  variant of the latter (`.info` for a module that only reads, always for an `_info` one; `.actions` otherwise);
  every action plugin stands beside its module;
- every documented plugin type under plugins/ (and roles/) is rendered by ansible-doc in tools/package_check.sh;
- the collection version is written once, in galaxy.yml; every other mention of it equals that one;
- no tracked file names a path of a build machine (home or scratch folders, the folder the checkout lives in)
  or points outside the repository with `../`;
- every file under plugins/, tools/ and every folder of the repository has its line in the map of docs/developing.md,
  and every step of tools/test.sh its row in the test table there;
- no module (nor action plugin) holds a wire detail of the API: no CamelCase name ('RoleName', 'InstanceId', 'CreateRole'),
  no field read like raw['Role'] or raw.get('Status'), no API error code ('EntityNotExist.Role'), no action passed to
  .call( -- those live in module_utils.

Each check returns its violations, so the checks are tested on a planted copy of the tree as well as run on it.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GROUP = 'alicloud'
ATTRIBUTES = 'alicloud.instance_ram.attributes'
# modules that take no credentials, hence no place in the action group (module_defaults of the group would hand them
# options they do not have): they still extend the attributes fragment's .info or .actions variant
OUTSIDE_THE_GROUP = {'app_access_check': "runs the application's own SDKs in a fresh process, with the host's configuration only"}
# plugin folders that ansible-doc does not render on their own
NOT_DOCUMENTED = {'module_utils', 'doc_fragments', 'plugin_utils', 'action'}
# what .gitignore leaves out, for a tree without git (the workspace copy of tools/test.sh)
GENERATED_DIRS = {'.git', '.venv', '.ci-venv', '.ansible', '.pytest_cache', '__pycache__', 'build', 'dist', '_build', 'output'}
GENERATED_FILES = re.compile(r'(\.pyc|\.tar\.gz|integration_config\.yml)$')
# machine paths, written in pieces so that this file does not match itself
MACHINE_PATHS = re.compile('(?<![\\w.$}-])/(?:' + '|'.join(['wo' + 'rk', 'ro' + 'ot', 'ho' + r'me/[\w.-]+', 'Us' + r'ers/[\w.-]+',
                                                            'tm' + r'p/[\w.-]+', 'va' + r'r/folders']) + ')(?:/|\\b)')
LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
UP = re.compile(r'(?<![\w./])((?:\.\./)+)[\w.-]')
# the wire of the API, which only module_utils may hold: a CamelCase name (a parameter, field or action: 'RoleName',
# 'InstanceId', 'NewMaxSessionDuration', 'CreateRole'), and, as a key of a subscript, a dict or a .get(), any
# capitalised word (a response field: raw['Role'], i.get('Status'))
WIRE_NAME = re.compile(r'[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+')
WIRE_FIELD = re.compile(r'[A-Z][a-z]\w*')
WIRE_CODE = re.compile(r'[A-Z][A-Za-z]+(?:\.[A-Z][A-Za-z]*)+')  # an error code of the API: 'EntityNotExist.Role'
OWN_CODES = re.compile(r'Metadata\.')  # the collection's own codes for the metadata service, which answers HTTP statuses only
WIRE_FREE = ('modules', 'action')  # plugin folders checked
DOC_STRINGS = {'DOCUMENTATION', 'EXAMPLES', 'RETURN'}  # user documentation: names the API freely
# literals of that shape that are not the cloud API's, each with the reason (file stem, literal)
NOT_WIRE = {
    ('app_access_check', 'ProbeFailed'): "the module's own result code (RETURN results[].code), not an API code",
    ('instance_identity_info', 'PutToken'): 'the step of its own standard-library metadata reader named in its errors '
                                            '(the metadata service has no actions)',
    ('instance_identity_info', 'GetIdentity'): 'the same: the step that checks the ids the metadata service gave',
}


def files(root):
    """The files of the tree as git lists them (tracked and untracked, not ignored), or a walk without generated ones."""
    if (root / '.git').exists():
        out = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], cwd=root, capture_output=True, text=True, check=True)
        return sorted(p for p in (root / line for line in out.stdout.splitlines()) if p.is_file())
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in GENERATED_DIRS and not d.endswith('.egg-info')]
        found += [Path(folder) / n for n in names if not GENERATED_FILES.search(n)]
    return sorted(found)


def read(root, rel):
    return (root / rel).read_text(encoding='utf-8')


def documentation(path):
    """The DOCUMENTATION of a plugin file, parsed (without importing the plugin)."""
    for node in ast.parse(path.read_text(encoding='utf-8')).body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'DOCUMENTATION' for t in node.targets):
            return yaml.load(node.value.value, Loader=LOADER)  # noqa: S506 (a safe loader)
    return None


def plugin_files(root, kind):
    folder = root / 'plugins' / kind
    return sorted(p for p in folder.glob('*.py') if p.name != '__init__.py') if folder.is_dir() else []


def check_modules(root):
    """Every module in the action group and extending the attributes fragment; every action plugin beside its module."""
    problems = []
    group = set(yaml.safe_load(read(root, 'meta/runtime.yml')).get('action_groups', {}).get(GROUP) or [])
    modules = {p.stem: p for p in plugin_files(root, 'modules')}
    for name, path in modules.items():
        outside = name in OUTSIDE_THE_GROUP
        if name not in group and not outside:
            problems.append(f'module {name}: not in the action group {GROUP} of meta/runtime.yml')
        if name in group and outside:
            problems.append(f'module {name}: in the action group {GROUP} although it takes no credentials')
        doc = documentation(path) or {}
        fragments = doc.get('extends_documentation_fragment') or []
        for wanted in () if outside else ('alicloud.instance_ram.auth', 'alicloud.instance_ram.attributes'):
            if wanted not in fragments:
                problems.append(f'module {name}: does not extend the documentation fragment {wanted}')
        # check mode and diff: `.info` for a module that only reads (every *_info one), `.actions` for one that changes
        variants = [v for v in (ATTRIBUTES + '.actions', ATTRIBUTES + '.info') if v in fragments]
        if name.endswith('_info') and variants != [ATTRIBUTES + '.info']:
            problems.append(f'module {name}: does not extend the documentation fragment {ATTRIBUTES}.info (and only that variant)')
        elif len(variants) != 1:
            problems.append(f'module {name}: extends {len(variants)} of {ATTRIBUTES}.actions / .info instead of one')
    for name in sorted(group - set(modules)):
        problems.append(f'action group {GROUP}: {name} is not a module of plugins/modules')
    for path in plugin_files(root, 'action'):
        if path.stem not in modules:
            problems.append(f'action plugin {path.stem}: no module of that name documents it')
    return problems


def check_package_renders_every_plugin_type(root):
    """Every documented plugin type (and roles) present in the tree has an `ansible-doc -t TYPE` in the package check."""
    script = read(root, 'tools/package_check.sh')
    rendered = set(re.findall(r'ansible-doc -t (\w+)', script))
    # or the loop over every folder of plugins/ but those it names: `for type in $(ls plugins | grep -vE '^(a|b)$')`
    loop = re.search(r"for type in \$\(ls plugins \| grep -vE '\^\(([\w|]+)\)\$'\)", script)
    if loop and 'ansible-doc -t "$type"' in script:
        skipped = set(loop.group(1).split('|'))
        rendered |= {d.name for d in (root / 'plugins').iterdir() if d.is_dir() and d.name not in skipped}
    problems = []
    types = {'module' if d.name == 'modules' else d.name for d in (root / 'plugins').iterdir()
             if d.is_dir() and d.name not in NOT_DOCUMENTED and plugin_files(root, d.name)}
    if (root / 'roles').is_dir() and any((root / 'roles').iterdir()):
        types.add('role')
    for kind in sorted(types - rendered):
        problems.append(f'plugin type {kind}: tools/package_check.sh does not render it with ansible-doc -t {kind}')
    return problems


def check_version_single_sourced(root):
    """galaxy.yml holds the version; every other mention of the collection's version must equal it."""
    version = str(yaml.safe_load(read(root, 'galaxy.yml'))['version'])
    mentions = [
        # written in pieces, so that this file does not match itself
        re.compile('COLLECTION_' + r"VERSION = '([^']+)'"),
        re.compile('alicloud-instance_' + r'ram-(\d+\.\d+\.\d+)\.tar\.gz'),
        re.compile('alicloud-instance-' + r'ram-ee:(\d+\.\d+\.\d+)'),
    ]
    problems = []
    for path in files(root):
        if path.suffix not in ('.py', '.md', '.yml', '.yaml', '.sh', '.rst') or 'changelog' in path.name.lower():
            continue
        text = path.read_text(encoding='utf-8', errors='replace')
        for pattern in mentions:
            for found in pattern.findall(text):
                if found != version:
                    problems.append(f'{path.relative_to(root)}: version {found}, galaxy.yml says {version}')
    return problems


def check_no_machine_paths(root):
    """No tracked file names a home or scratch folder, the folder the checkout lives in, or a `../` path out of the tree."""
    # the folder the checkout lives in: the workspace of tools/test.sh (<tmp>/ansible_collections/alicloud) or the clone's parent
    own = [str(root.parent) + '/', str(root) + '/']
    problems = []
    for path in files(root):
        try:
            text = path.read_text(encoding='utf-8')
        except (UnicodeDecodeError, OSError):
            continue  # binary (docs/performance.png)
        rel = path.relative_to(root)
        for number, line in enumerate(text.splitlines(), 1):
            found = MACHINE_PATHS.search(line) or next((o for o in own if o in line), None)
            if found:
                problems.append(f'{rel}:{number}: names a path of a build machine')
            for up in UP.findall(line):
                target = (path.parent / up).resolve()
                if target != root and root not in target.parents:
                    problems.append(f'{rel}:{number}: {up} points outside the repository')
    return problems


def check_map(root):
    """Every folder of the repository and every file under plugins/ and tools/ has its line in docs/developing.md."""
    doc = read(root, 'docs/developing.md')
    named = set(re.findall(r'`([^`\s]+)`', doc))
    problems = []
    tree = files(root)
    folders = {p.parent.relative_to(root) for p in tree} - {Path('.')}
    # the integration targets have one line for all of them
    folders = {f for f in folders if f.parts[:3] != ('tests', 'integration', 'targets')}
    for folder in sorted(folders):
        if f'{folder}/' not in named:
            problems.append(f'docs/developing.md: the map has no line for the folder {folder}/')
    for path in tree:
        rel = path.relative_to(root)
        if rel.parts[0] in ('plugins', 'tools') and str(rel) not in named and rel.name not in named:
            problems.append(f'docs/developing.md: the map has no line for {rel}')
    return problems


def check_test_steps(root):
    """Every step tools/test.sh runs by default (what `make test` runs; `a+b` runs a and b at once) has its row in the test
    table of docs/developing.md."""
    script = read(root, 'tools/test.sh')
    default = re.search(r'\|\| steps=\(([^)]*)\)', script)
    if default is None:
        return ['tools/test.sh: no default list of steps (steps=(...)) found']
    rows = set(re.findall(r'^\| `([\w-]+)` \|', read(root, 'docs/developing.md'), re.M))
    return [f'docs/developing.md: the test table has no row for the step {step} of tools/test.sh'
            for step in re.split(r'[\s+]+', default.group(1).strip()) if step not in rows]


def wire_literals(source):
    """(line, literal) of every wire detail of the API in a plugin's source (see WIRE_NAME), outside DOC_STRINGS."""
    tree = ast.parse(source)
    documentation_nodes = {id(n) for node in tree.body if isinstance(node, ast.Assign)
                           and any(getattr(t, 'id', None) in DOC_STRINGS for t in node.targets) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in documentation_nodes:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                WIRE_NAME.fullmatch(node.value) or (WIRE_CODE.fullmatch(node.value) and not OWN_CODES.match(node.value))):
            found.append((node.lineno, node.value))
        keys = []
        if isinstance(node, ast.Subscript):
            keys = [node.slice]
        elif isinstance(node, ast.Dict):
            keys = node.keys
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr in ('get', 'pop', 'setdefault'):
                keys = node.args[:1]
            elif node.func.attr == 'call' and isinstance(node.args[0], ast.Constant):
                found.append((node.lineno, node.args[0].value))  # an action, whatever its spelling
        found += [(k.lineno, k.value) for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
                  and WIRE_FIELD.fullmatch(k.value) and not WIRE_NAME.fullmatch(k.value)]
    return sorted(set(found))


def check_no_wire_in_modules(root):
    """No module or action plugin names the API (rule 1 of docs/developing.md): its calls and fields live in module_utils."""
    problems = []
    for kind in WIRE_FREE:
        for path in plugin_files(root, kind):
            for line, literal in wire_literals(path.read_text(encoding='utf-8')):
                if (path.stem, literal) not in NOT_WIRE:
                    problems.append(f'{path.relative_to(root)}:{line}: {literal!r} is a name of the API: the call or field read '
                                    'belongs in plugins/module_utils (docs/developing.md, rule 1)')
    return problems


CHECKS = [check_modules, check_package_renders_every_plugin_type, check_version_single_sourced, check_no_machine_paths, check_map, check_test_steps,
          check_no_wire_in_modules]


@pytest.mark.parametrize('check', CHECKS, ids=[c.__name__ for c in CHECKS])
def test_the_tree_keeps_the_house_rules(check):
    assert check(ROOT) == []


# --- the checks themselves, on a copy of the tree with one rule broken ------------------------------------------------

@pytest.fixture
def tree(tmp_path):
    """A copy of the files the checks read (no .git: the walk of a workspace copy), to plant violations in."""
    copy = tmp_path / 'ansible_collections' / 'alicloud' / 'instance_ram'
    for path in files(ROOT):
        rel = path.relative_to(ROOT)
        if rel.parts[0] not in ('meta', 'plugins', 'docs', 'tools') and len(rel.parts) > 1:
            continue  # tests, roles, playbooks: no check below plants anything there; a small copy is a fast one
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy / rel)
    (copy / 'roles' / 'kms_access').mkdir(parents=True)
    return copy


def plant_module(tree, name, fragments):
    doc = {'module': name, 'short_description': 'planted', 'extends_documentation_fragment': fragments}
    (tree / 'plugins' / 'modules' / f'{name}.py').write_text(f'DOCUMENTATION = r"""\n{yaml.safe_dump(doc)}"""\n', encoding='utf-8')


ALL_FRAGMENTS = ['alicloud.instance_ram.auth', 'alicloud.instance_ram.attributes', 'alicloud.instance_ram.attributes.actions']


def test_the_copy_is_clean_before_planting(tree):
    assert [c.__name__ for c in CHECKS[:4] + [check_no_wire_in_modules] if c(tree)] == []


def test_a_module_outside_the_action_group_is_found(tree):
    plant_module(tree, 'ram_user', ALL_FRAGMENTS)
    assert check_modules(tree) == ['module ram_user: not in the action group alicloud of meta/runtime.yml']
    runtime = tree / 'meta' / 'runtime.yml'
    meta = yaml.safe_load(runtime.read_text(encoding='utf-8'))
    meta['action_groups']['alicloud'].append('ram_user')
    runtime.write_text(yaml.safe_dump(meta), encoding='utf-8')
    assert check_modules(tree) == []


def test_a_module_without_the_attributes_fragment_is_found(tree):
    plant_module(tree, 'ram_user_info', ['alicloud.instance_ram.auth', 'alicloud.instance_ram.attributes.actions'])
    assert check_modules(tree) == [
        'module ram_user_info: not in the action group alicloud of meta/runtime.yml',
        'module ram_user_info: does not extend the documentation fragment alicloud.instance_ram.attributes',
        'module ram_user_info: does not extend the documentation fragment alicloud.instance_ram.attributes.info (and only that variant)',
    ]


def test_a_module_with_no_or_both_attribute_variants_is_found(tree):
    plant_module(tree, 'ram_user', ALL_FRAGMENTS[:2])
    plant_module(tree, 'ram_group', ALL_FRAGMENTS + ['alicloud.instance_ram.attributes.info'])
    assert check_modules(tree) == [
        'module ram_group: not in the action group alicloud of meta/runtime.yml',
        'module ram_group: extends 2 of alicloud.instance_ram.attributes.actions / .info instead of one',
        'module ram_user: not in the action group alicloud of meta/runtime.yml',
        'module ram_user: extends 0 of alicloud.instance_ram.attributes.actions / .info instead of one',
    ]


def test_a_group_entry_without_module_and_an_orphan_action_plugin_are_found(tree):
    (tree / 'plugins' / 'modules' / 'kms_access_check.py').unlink()
    (tree / 'plugins' / 'action' / 'ram_user.py').write_text('', encoding='utf-8')
    assert check_modules(tree) == ['action group alicloud: kms_access_check is not a module of plugins/modules',
                                   'action plugin ram_user: no module of that name documents it']


def test_a_plugin_type_the_package_check_does_not_render_is_found(tree):
    (tree / 'plugins' / 'test').mkdir()
    (tree / 'plugins' / 'test' / 'ids.py').write_text('', encoding='utf-8')
    script = tree / 'tools' / 'package_check.sh'
    text = script.read_text(encoding='utf-8')
    # the loop over plugins/ renders a new type by itself
    assert "for type in $(ls plugins | grep -vE '^(" in text
    assert check_package_renders_every_plugin_type(tree) == []
    # a loop that leaves the type out, or no loop at all, does not
    script.write_text(text.replace("grep -vE '^(", "grep -vE '^(test|"), encoding='utf-8')
    assert check_package_renders_every_plugin_type(tree) == [
        'plugin type test: tools/package_check.sh does not render it with ansible-doc -t test']
    script.write_text(text.replace('ansible-doc -t "$type"', 'ansible-doc -t lookup'), encoding='utf-8')
    assert check_package_renders_every_plugin_type(tree) == [
        'plugin type filter: tools/package_check.sh does not render it with ansible-doc -t filter',
        'plugin type inventory: tools/package_check.sh does not render it with ansible-doc -t inventory',
        'plugin type test: tools/package_check.sh does not render it with ansible-doc -t test']
    script.write_text(text.replace('ansible-doc -t "$type"', 'ansible-doc -t lookup')
                      + 'ansible-doc -t inventory x\nansible-doc -t test y\nansible-doc -t filter z\n', encoding='utf-8')
    assert check_package_renders_every_plugin_type(tree) == []


def test_a_second_version_is_found(tree):
    version = yaml.safe_load((tree / 'galaxy.yml').read_text(encoding='utf-8'))['version']
    (tree / 'plugins' / 'module_utils' / '_planted.py').write_text('COLLECTION_' + "VERSION = '9.9.9'\n", encoding='utf-8')
    tarball = 'alicloud-instance_' + 'ram-{}.tar.gz'
    lines = [f'ansible-galaxy collection install {tarball.format(v)}\n' for v in (version, '0.0.1')]
    (tree / 'docs' / 'planted.md').write_text(''.join(lines), encoding='utf-8')
    assert check_version_single_sourced(tree) == [f'docs/planted.md: version 0.0.1, galaxy.yml says {version}',
                                                  f'plugins/module_utils/_planted.py: version 9.9.9, galaxy.yml says {version}']


@pytest.mark.parametrize('line, found', [
    ('see ' + '/ro' + 'ot/.cache/x', True),
    ('python ' + '/wo' + 'rk/main/.venv/bin/pytest', True),
    ('cd ' + '/ho' + 'me/dev/src', True),
    ('log in ' + '/tm' + 'p/alicloud-ws.abc/x', True),
    ('the notes in ' + '../' * 3 + 'shared/reference/api.md', True),
    ('WS=${TMPDIR:-' + '/tm' + 'p}', False),
    ('python_path: /usr/bin/python3.11', False),
    ('see [the page](../docs/reliability.md)', False),
    ('-r ../requirements.txt', False),
])
def test_machine_paths_are_found(tree, line, found):
    (tree / 'tools' / 'planted.txt').write_text(f'first line\n{line}\n', encoding='utf-8')
    problems = check_no_machine_paths(tree)
    assert bool(problems) is found, problems
    assert all(p.startswith('tools/planted.txt:2: ') for p in problems)


def test_the_checkout_folder_is_a_machine_path(tree):
    (tree / 'docs' / 'planted.md').write_text(f'built in {tree.parent}/instance_ram\n', encoding='utf-8')
    assert check_no_machine_paths(tree) == ['docs/planted.md:1: names a path of a build machine']


def test_a_new_test_step_missing_from_the_table_is_found(tree):
    script = tree / 'tools' / 'test.sh'
    text = script.read_text(encoding='utf-8')
    script.write_text(text.replace('steps=(lint ', 'steps=(lint parity '), encoding='utf-8')
    assert check_test_steps(tree) == ['docs/developing.md: the test table has no row for the step parity of tools/test.sh']


def test_a_file_missing_from_the_map_is_found(tree):
    (tree / 'plugins' / 'module_utils' / '_planted.py').write_text('', encoding='utf-8')
    (tree / 'docs' / 'planted').mkdir()
    (tree / 'docs' / 'planted' / 'x.yml').write_text('', encoding='utf-8')
    assert check_map(tree) == ['docs/developing.md: the map has no line for the folder docs/planted/',
                               'docs/developing.md: the map has no line for plugins/module_utils/_planted.py']


@pytest.mark.parametrize('source, found', [
    ("body = ram.call('GetRole', {'RoleName': name})['Role']\n", [(1, 'GetRole'), (1, 'Role'), (1, 'RoleName')]),
    ("ids = [i['InstanceId'] for i in raw if i.get('Status') == 'Running']\n", [(1, 'InstanceId'), (1, 'Status')]),
    ("x = {'NewDescription': d}\ny = 'DeleteOldestNonDefaultVersionWhenLimitExceeded'\n",
     [(1, 'NewDescription'), (2, 'DeleteOldestNonDefaultVersionWhenLimitExceeded')]),
    ("ecs.call('lowercase_action')\n", [(1, 'lowercase_action')]),
    ("if err.matches('EntityNotExist.Role'):\n    raise _error('Metadata.Disabled')\n", [(1, 'EntityNotExist.Role')]),
    # documentation, user-facing values and plain words are no wire
    ('DOCUMENTATION = r"""\noptions:\n  name: {sample: EcsRamRoleTest}\n"""\nRETURN = \'RoleName\'\nEXAMPLES = {\'Role\': 1}\n', []),
    ("kind = 'Custom'\nenv = {'PATH': p, 'HOME': h}\nstate = params['state']\nmsg = 'see RoleName in the answer'\n", []),
    ("def f():\n    \"\"\"Reads GetRole.\"\"\"\n    return policies_equal(a, b)\n", []),
])
def test_wire_literals(source, found):
    assert wire_literals(source) == found


def test_a_wire_detail_in_a_module_is_found(tree):
    module = tree / 'plugins' / 'modules' / 'ram_role.py'
    text = module.read_text(encoding='utf-8')
    lines = text.count('\n')
    module.write_text(text + "\n\ndef planted(ram):\n    return ram.call('UpdateRole', {'RoleName': 'r'})['Role']\n", encoding='utf-8')
    assert check_no_wire_in_modules(tree) == [
        f"plugins/modules/ram_role.py:{lines + 4}: {literal!r} is a name of the API: the call or field read belongs in plugins/module_utils "
        '(docs/developing.md, rule 1)' for literal in ('Role', 'RoleName', 'UpdateRole')]
    # an exemption holds for its own file only
    (tree / 'plugins' / 'action' / 'ram_role.py').write_text("code = 'ProbeFailed'\n", encoding='utf-8')
    assert check_no_wire_in_modules(tree)[3:] == ["plugins/action/ram_role.py:1: 'ProbeFailed' is a name of the API: the call or field "
                                                  'read belongs in plugins/module_utils (docs/developing.md, rule 1)']
