// The pre-commit hooks for real: Debian's `pre-commit` installs this repository's hooks (language: node, from the npm
// registry only) with `try-repo` in a scratch git repository, reports a finding, fixes it with ml-notes-fix, and passes.
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

test('pre-commit try-repo: ml-notes fails on a finding (Python and notebook), ml-notes-fix fixes the Python file, then ml-notes passes', { timeout: 20 * 60_000 }, () => {
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ml-notes-pre-commit-')));
  try {
    // This repository as it is now (uncommitted changes to tracked files included), committed in a clone: pre-commit
    // then installs the hooks' environment once for the three runs below.
    const hooks = path.join(work, 'hooks-repo');
    must('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, hooks], work);
    const diff = spawnSync('git', ['diff', 'HEAD', '--binary'], { cwd: repoRoot, maxBuffer: 256 * 1024 * 1024 }).stdout;
    if (diff.length) {
      fs.writeFileSync(path.join(work, 'changes.diff'), diff);
      must('git', ['apply', '--whitespace=nowarn', path.join(work, 'changes.diff')], hooks);
      must('git', ['commit', '--quiet', '-am', 'uncommitted changes under test'], hooks);
    }

    const project = path.join(work, 'project');
    fs.mkdirSync(project);
    must('git', ['init', '--quiet'], project);
    fs.writeFileSync(path.join(project, 'model.py'), CONV_BN);
    fs.writeFileSync(path.join(project, 'explore.ipynb'), notebook(CONV_BN));
    fs.writeFileSync(path.join(project, 'README.md'), '# not Python: the hooks never see it\n');
    must('git', ['add', '-A'], project);
    const env = { PRE_COMMIT_HOME: path.join(work, 'pre-commit-cache'), PRE_COMMIT_COLOR: 'never' };
    const tryRepo = (hook: string) => sh('pre-commit', ['try-repo', hooks, hook, '--all-files'], { cwd: project, env, timeout: 15 * 60_000 });

    const first = tryRepo('ml-notes');
    assert.equal(first.status, 1, first.out);
    assert.match(first.out, /^ml-notes\.+Failed$/m);
    assert.match(first.out, /^model\.py:3:\d+: conv-bias-before-batchnorm /m);
    assert.match(first.out, /^explore\.ipynb#cell1:3:\d+: conv-bias-before-batchnorm /m, 'notebooks are passed to the hook');
    assert.doesNotMatch(first.out, /README/);

    const fix = tryRepo('ml-notes-fix');
    assert.equal(fix.status, 1, `a hook that changed files fails the commit:\n${fix.out}`);
    assert.match(fix.out, /files were modified by this hook/);
    assert.match(fs.readFileSync(path.join(project, 'model.py'), 'utf8'), /nn\.Conv2d\(3, 8, 3, padding=1, bias=False\)/);

    // The notebook is fixed by hand (--fix leaves notebooks to the editor); then the hook passes.
    fs.writeFileSync(path.join(project, 'explore.ipynb'), notebook(CONV_BN.replace('padding=1)', 'padding=1, bias=False)')));
    must('git', ['add', '-A'], project);
    const last = tryRepo('ml-notes');
    assert.equal(last.status, 0, last.out);
    assert.match(last.out, /^ml-notes\.+Passed$/m);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
