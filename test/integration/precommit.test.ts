// The pre-commit hooks for real, as a project uses them: Debian's `pre-commit` reads a .pre-commit-config.yaml naming a
// clone of this repository at a commit, installs its hooks (language: node, from the npm registry only) once into its
// cache, and `pre-commit run` reports a finding, fixes it with ml-notes-fix, and passes. (`pre-commit try-repo` would
// install the hooks again for every run: it keeps its cache in a temporary folder.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const GIT_ENV = { GIT_AUTHOR_NAME: 'ml-notes tests', GIT_AUTHOR_EMAIL: 'tests@ml-notes.invalid', GIT_COMMITTER_NAME: 'ml-notes tests', GIT_COMMITTER_EMAIL: 'tests@ml-notes.invalid' };

function sh(cmd: string, args: string[], options: SpawnSyncOptions & { cwd: string }): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...options, env: { ...process.env, ...GIT_ENV, ...options.env } });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function must(cmd: string, args: string[], cwd: string): string {
  const r = sh(cmd, args, { cwd });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.out}`);
  return r.out;
}

const CONV_BN = 'import torch.nn as nn\n\nnet = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8))\n';
const notebook = (source: string) =>
  JSON.stringify({ cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: source.split(/(?<=\n)/) }], metadata: { language_info: { name: 'python' } }, nbformat: 4, nbformat_minor: 5 }, null, 1);

test('pre-commit run: ml-notes fails on a finding (Python and notebook), ml-notes-fix fixes the Python file, then ml-notes passes', { timeout: 20 * 60_000 }, () => {
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ml-notes-pre-commit-')));
  try {
    // This repository as it is now (uncommitted changes to tracked files included), committed in a clone: pre-commit
    // installs the hooks' environment from it once, for the three runs below.
    const hooks = path.join(work, 'hooks-repo');
    must('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, hooks], work);
    const diff = spawnSync('git', ['diff', 'HEAD', '--binary'], { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 }).stdout;
    if (diff.length) {
      fs.writeFileSync(path.join(work, 'changes.diff'), diff);
      must('git', ['apply', '--whitespace=nowarn', path.join(work, 'changes.diff')], hooks);
      must('git', ['commit', '--quiet', '-am', 'uncommitted changes under test'], hooks);
    }

    const rev = must('git', ['rev-parse', 'HEAD'], hooks).trim();

    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    must('git', ['init', '--quiet'], project);
    fs.writeFileSync(path.join(project, 'model.py'), CONV_BN);
    fs.writeFileSync(path.join(project, 'explore.ipynb'), notebook(CONV_BN));
    fs.writeFileSync(path.join(project, 'README.md'), '# not Python: the hooks never see it\n');
    // The configuration the README shows, with both hooks: `pre-commit run <id>` runs one of them.
    fs.writeFileSync(
      path.join(project, '.pre-commit-config.yaml'),
      `repos:\n  - repo: ${hooks}\n    rev: ${rev}\n    hooks:\n      - id: ml-notes\n      - id: ml-notes-fix\n`,
    );
    must('git', ['add', '-A'], project);
    const env = { PRE_COMMIT_HOME: path.join(work, 'pre-commit-cache'), PRE_COMMIT_COLOR: 'never' };
    const runHook = (hook: string) => sh('pre-commit', ['run', hook, '--all-files'], { cwd: project, env, timeout: 15 * 60_000 });

    const first = runHook('ml-notes');
    assert.equal(first.status, 1, first.out);
    assert.match(first.out, /^ml-notes\.+Failed$/m);
    assert.match(first.out, /^model\.py:3:\d+: conv-bias-before-batchnorm /m);
    assert.match(first.out, /^explore\.ipynb#cell1:3:\d+: conv-bias-before-batchnorm /m, 'notebooks are passed to the hook');
    assert.doesNotMatch(first.out, /README/);
    assert.match(first.out, /Installing environment/);

    const fix = runHook('ml-notes-fix');
    assert.equal(fix.status, 1, `a hook that changed files fails the commit:\n${fix.out}`);
    assert.match(fix.out, /files were modified by this hook/);
    assert.doesNotMatch(fix.out, /Installing environment/, 'the environment installed for the first run is reused');
    assert.match(fs.readFileSync(path.join(project, 'model.py'), 'utf8'), /nn\.Conv2d\(3, 8, 3, padding=1, bias=False\)/);

    // The notebook is fixed by hand (--fix leaves notebooks to the editor); then the hook passes.
    fs.writeFileSync(path.join(project, 'explore.ipynb'), notebook(CONV_BN.replace('padding=1)', 'padding=1, bias=False)')));
    must('git', ['add', '-A'], project);
    const last = runHook('ml-notes');
    assert.equal(last.status, 0, last.out);
    assert.match(last.out, /^ml-notes\.+Passed$/m);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
