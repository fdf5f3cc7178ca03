# Copyright (c) 2026 alicloud.instance_ram contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render docs/reliability.md from the summaries the reliability suite wrote (one per pytest process).

    python tests/reliability/render_report.py SUMMARY_DIR [--out docs/reliability.md]

Every number in the page comes from the summaries; the prose around them says what each number means.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path


def load(directory):
    entries, secrets, tests = [], Counter(), Counter()
    for path in sorted(Path(directory).glob('summary-*.json')):
        data = json.loads(path.read_text(encoding='utf-8'))
        entries += data['entries']
        for key, value in data['secrets'].items():
            secrets[key] = max(secrets[key], value) if key == 'secret_values_per_run' else secrets[key] + value
        tests.update(data['tests'])
    return entries, secrets, tests


def table(headers, rows):
    lines = ['| ' + ' | '.join(headers) + ' |', '|' + '|'.join(' --- ' for dummy in headers) + '|']
    lines += ['| ' + ' | '.join(str(c) for c in row) + ' |' for row in rows]
    return '\n'.join(lines)


KINDS = ['throttling burst', 'throttling with retry-after', 'internal error 500', 'service unavailable 503',
         'response slower than the read timeout', 'dropped connection']
TARGETS = ['ram_role', 'ram_role_policy_attachment', 'ram_policy', 'ecs_instance_ram_role', 'kms_access_check',
           'kms_access_check, metadata service', 'site.yml']


def matrix(faults):
    """Targets down, fault kinds across."""
    cells = {(e['target'], e['fault']): e for e in faults if e['fault'] in KINDS}
    rows = []
    for target in TARGETS + sorted({t for t, dummy in cells} - set(TARGETS)):
        row = [target]
        for kind in KINDS:
            e = cells.get((target, kind))
            if e is None:
                row.append('-')
                continue
            repeats = f", +{e['harmless_repeats']} repeats" if e.get('harmless_repeats') else ''
            row.append(f"{e['outcome']} ({e['calls']} / {e['faulted_calls']}{repeats})")
        if len(row) > 1 and any(c != '-' for c in row[1:]):
            rows.append(row)
    return table(['module'] + KINDS, rows)


def render(entries, secrets, tests):
    by = {c: [e for e in entries if e['category'] == c] for c in ('fault', 'race', 'bad_input', 'secrets', 'safe_default')}
    faults, races, bad, secret_runs, defaults = by['fault'], by['race'], by['bad_input'], by['secrets'], by['safe_default']
    races = sorted(races, key=lambda e: e['name'])
    bad = sorted(bad, key=lambda e: e['module'] == 'kms_access role')  # the module table, then the role's
    secret_runs = sorted(secret_runs, key=lambda e: e['name'])
    defaults = sorted(defaults, key=lambda e: e['name'])
    outcomes = Counter(e['outcome'] for e in faults)
    converged = outcomes.get('converged', 0)
    coded = sum(1 for e in bad if e.get('api_code'))
    lost = sum(e.get('lost_writes', 0) for e in races)
    failed_tests = tests.get('failed', 0) + tests.get('error', 0)
    out = [
        '# Reliability and security, tried and counted',
        '',
        'Produced by the reliability suite (`tests/reliability`, run by `tools/test.sh reliability`) from its own',
        'counts; `tests/reliability/render_report.py` wrote this page. Every scenario runs real `ansible-playbook -vvvv --diff`',
        'against the local emulator, which injects the faults, holds the state the assertions read, and logs every',
        'API call (the source of the "each write once" checks).',
        '',
        '## The counts',
        '',
        table(['what', 'count', 'meaning'], [
            ['fault scenarios survived', len(faults),
             f"{converged} converged in the first run; {outcomes.get('failed cleanly, rerun finished', 0)} failed naming what failed, "
             f"and the rerun finished the job; {len(faults) - converged - outcomes.get('failed cleanly, rerun finished', 0)} where some "
             'instances could not take the role: the others done, each failure named, no instance left without a role'],
            ['races', len(races),
             f"two `ansible-playbook playbooks/site.yml` at once: {sum(e['runs_green'] for e in races)} of {2 * len(races)} runs green, "
             f"{sum(e['clean_conflicts'] for e in races)} clean conflicts; {lost} writes sent by both runs were settled (one took effect)"],
            ['bad inputs tried', len(bad),
             f'each names the option, variable or instance and the rule; {coded} also name the API code the service gives '
             '(the others are refused by local checks that name no code, see the table)'],
            ['secrets checked', secrets.get('value_checks', 0),
             f"(secret value, place) checks: {secrets.get('runs', 0)} playbook runs at -vvvv, up to {secrets.get('secret_values_per_run', 0)} "
             f"registered secret values each, {secrets.get('task_results', 0)} task results, {secrets.get('files', 0)} files, "
             f"{secrets.get('output_bytes', 0) // 1024} KiB of output; 0 leaks"],
            ['safe defaults checked', len(defaults), ''],
            ['suite tests', f"{tests.get('passed', 0)} passed, {failed_tests} failed", ''],
        ]),
        '',
        '## Faults',
        '',
        'Each fault hits the module\'s own API calls (reads and writes; for the role, every step\'s calls and the',
        'verification on the instances), a transient number of times; the collection retries throttling, 5xx and',
        'transport failures. After each scenario: the emulator\'s state is the wanted one; every logical write took',
        'effect exactly once (role bindings counted per instance by replaying the call log); every instance that had a',
        'role still has one; the fault was really met (the log shows it). A cell reads *outcome (API calls / faulted',
        'calls)*; "+n repeats" counts idempotent writes (same parameters, e.g. UpdateRole) carried out again because a',
        'request abandoned at the read timeout was still handled by the service after the retry had succeeded.',
        '',
        matrix(faults),
        '',
        'Scenarios of their own:',
        '',
        table(['scenario', 'outcome'], [[e['name'], e['outcome']] for e in sorted(faults, key=lambda e: e['name']) if e['fault'] not in KINDS]),
        '',
        '## Races',
        '',
        table(['round', 'runs green', 'clean conflicts', 'instances', 'API calls', 'writes sent by both runs'],
              [[e['name'], e['runs_green'], e['clean_conflicts'], e['instances'], e['calls'],
                f"{e['lost_writes']}: {e.get('contested', '')}"] for e in races]),
        '',
        'After each round: one role, each policy attached once, every instance bound once (from the call log),',
        'and a third run changes nothing.',
        '',
        '## Bad input',
        '',
        'Each case fails naming the option or the instance, the rule and the API code (where the API has one), and',
        'the emulator\'s state is byte-for-byte the same after it (a digest after each case, and no write in the log).',
        '',
        table(['case', 'module', 'API code named'], [[e['name'], e['module'], e.get('api_code') or '-'] for e in bad]),
        '',
        '## Secrets',
        '',
        'Registered in the emulator and searched for in everything each run printed, every task result Ansible',
        'handed to callbacks (the return values and diffs), and every file the run left in its own HOME, TMPDIR,',
        'Ansible temporary and async directories and log file: the suite\'s access key secret, the emulator\'s',
        'default secret, KMS secret values, the security tokens and secrets of instance credentials, an instance',
        'login password, a wrong secret given to a module; plus any emulator security token (`CAIS...`) at all,',
        'known to the suite or not, and any clear value under a secret-named key.',
        '',
        '\n'.join(f"- {e['name']}" for e in secret_runs),
        '',
        '## Safe defaults',
        '',
        '\n'.join(f"- {e['name']}" for e in defaults),
        '',
        '## Limits found, and what the collection does about them',
        '',
        '- A write that takes effect again when sent again (CreatePolicyVersion) is not retried after a timeout or a',
        '  dropped connection: its outcome is unknown, so the task fails saying so, and a rerun converges.',
        '- The instance metadata service is asked once, as the Alibaba Cloud SDKs do: a failure there fails the task,',
        '  naming the metadata step and its code; the rerun passes.',
        '- Replacing a role is a detach then an attach (there is no replace API). When the attach fails, the previous',
        '  role is attached again. Only when that attach fails as well (the API keeps failing) is an instance left',
        '  without a role; the task then names it and says so.',
        '- A refused connection is retried with backoff (8 attempts, about half a minute) before the task fails.',
        '',
    ]
    return '\n'.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('summaries')
    parser.add_argument('--out', default=str(Path(__file__).resolve().parents[2] / 'docs' / 'reliability.md'))
    args = parser.parse_args(argv)
    entries, secrets, tests = load(args.summaries)
    if not entries:
        raise SystemExit(f'no summary in {args.summaries}: run the suite first')
    Path(args.out).write_text(render(entries, secrets, tests), encoding='utf-8')
    faults = sum(1 for e in entries if e['category'] == 'fault')
    races = sum(1 for e in entries if e['category'] == 'race')
    bad = sum(1 for e in entries if e['category'] == 'bad_input')
    print(f"reliability: {faults} fault scenarios survived, {races} races, {bad} bad inputs tried, "
          f"{secrets.get('value_checks', 0)} secret checks ({secrets.get('runs', 0)} runs, 0 leaks) -> {args.out}")


if __name__ == '__main__':
    main()
