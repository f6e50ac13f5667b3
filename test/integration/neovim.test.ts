// `ml-notes lsp` with a real client: Debian's Neovim, headless, with a minimal init.lua that starts the server for
// Python buffers. It opens a file with a finding, reads the diagnostics and the hover, applies the first code action
// and writes the file: the fix (bias=False) must be on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const nvimDir = path.join(repoRoot, 'test', 'integration', 'nvim');

const MODEL = `import torch.nn as nn


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(64)

    def forward(self, x):
        return self.bn(self.conv(x))
`;

test('Neovim: diagnostics with rule ids, the hover from the notes, and the first code action writes bias=False', { timeout: 180_000 }, () => {
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ml-notes-nvim-')));
  try {
    const file = path.join(work, 'model.py');
    fs.writeFileSync(file, MODEL);
    const out = path.join(work, 'out.json');
    const cli = path.join(repoRoot, 'out', 'src', 'cli', 'main.js');
    const r = spawnSync('nvim', ['--headless', '-n', '-i', 'NONE', '-u', path.join(nvimDir, 'init.lua'), 'model.py', '-c', `luafile ${path.join(nvimDir, 'drive.lua')}`], {
      cwd: work,
      encoding: 'utf8',
      timeout: 150_000,
      env: {
        ...process.env,
        ML_NOTES_LSP_CMD: JSON.stringify([process.execPath, cli, 'lsp', '--stdio']),
        ML_NOTES_OUT: out,
        // The hover on `BatchNorm2d` (0-based line and column).
        ML_NOTES_HOVER_LINE: '7',
        ML_NOTES_HOVER_CHAR: '24',
        XDG_STATE_HOME: path.join(work, 'state'),
        XDG_DATA_HOME: path.join(work, 'data'),
        XDG_CACHE_HOME: path.join(work, 'cache'),
        XDG_CONFIG_HOME: path.join(work, 'config'),
      },
    });
    assert.ok(fs.existsSync(out), `Neovim wrote no result (exit ${r.status}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
    const seen = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      error?: string;
      attached: boolean;
      diagnostics: { lnum: number; col: number; message: string; source: string; code: string }[];
      hover?: string;
      actions: string[];
      applied?: string;
    };
    assert.equal(seen.error, undefined, seen.error);
    assert.equal(seen.attached, true, 'diagnostics arrived');
    assert.deepEqual(
      seen.diagnostics.map((d) => `${d.lnum + 1}:${d.code}:${d.source}`),
      ['7:conv-bias-before-batchnorm:ML Notes'],
    );
    assert.match(seen.diagnostics[0].message, /keeps its bias .* Set bias=False\./);
    assert.ok(seen.hover, 'a hover');
    assert.match(seen.hover, /\*\*ML Notes\*\* · .*Misc details/);
    assert.match(seen.hover, /标准的BN 是对channel算均值和方差/, 'the note itself');
    assert.match(seen.hover, /\(file:\/\/[^)]*\.md#L\d+ /, 'links to the note as a file URI');
    assert.match(seen.actions[0], /^Set bias=False/);
    assert.ok(seen.actions.includes('Ignore conv-bias-before-batchnorm on this line'));
    assert.equal(seen.applied, seen.actions[0]);
    assert.match(fs.readFileSync(file, 'utf8'), /self\.conv = nn\.Conv2d\(3, 64, kernel_size=3, padding=1, bias=False\)/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
