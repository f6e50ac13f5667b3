// `ml-notes lsp` at the protocol level: a node client over stdio (initialize, didOpen, diagnostics, hover, code
// actions, executeCommand, shutdown, exit) against the server process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { repoRoot, tempTree } from './helpers';

const MODEL = `import torch.nn as nn


class Stem(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 64, kernel_size=3, padding=1)  # ml-notes: ignore[lr-warmup]
        self.bn = nn.BatchNorm2d(64)

    def forward(self, x):
        return self.bn(self.conv(x))
`;

test('ml-notes lsp: diagnostics, hover, code actions, commands, then shutdown and exit with the process gone', { timeout: 60_000 }, async () => {
  const root = tempTree({
    'pyproject.toml': '[tool.ml-notes]\nnotes = ["notes"]\n[tool.ml-notes.rules]\nconv-bias-before-batchnorm = "error"\n',
    'notes/losses.md': '---\ntitle: Project losses\nterms:\n  focal-loss: [sigmoid_focal_loss]\n---\n## Focal loss\n\nDown-weights easy examples.\n',
    'model.py': MODEL,
  });
  const child = spawn(process.execPath, [path.join(repoRoot, 'out', 'src', 'cli', 'main.js'), 'lsp', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const diagnostics = new Map<string, { code: string; severity: number; range: { start: { line: number } }; codeDescription?: { href: string }; source: string }[]>();
  const published = new Set<() => void>();
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: never[] }) => {
    diagnostics.set(p.uri, p.diagnostics);
    for (const f of published) f();
  });
  const configRequests: unknown[] = [];
  conn.onRequest('workspace/configuration', (p: unknown) => {
    configRequests.push(p);
    return [{ hover: { maxLines: 20 } }];
  });
  conn.onNotification('window/logMessage', () => undefined);
  conn.listen();

  const uri = pathToFileURL(path.join(root, 'model.py')).href;
  const init = (await conn.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).href,
    workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'p' }],
    capabilities: { workspace: { configuration: true } },
    initializationOptions: { rules: { 'unpadded-conv-before-roi': 'off' } },
  })) as { capabilities: { hoverProvider: boolean; executeCommandProvider: { commands: string[] } } };
  assert.equal(init.capabilities.hoverProvider, true);
  assert.deepEqual(init.capabilities.executeCommandProvider.commands, ['mlNotes.lookUp', 'mlNotes.explain']);
  await conn.sendNotification('initialized', {});
  const gotDiagnostics = new Promise<void>((resolve) => published.add(() => diagnostics.get(uri)?.length && resolve()));
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: MODEL } });
  await gotDiagnostics;

  const diags = diagnostics.get(uri)!;
  assert.equal(diags.length, 1);
  assert.equal(diags[0].code, 'conv-bias-before-batchnorm');
  assert.equal(diags[0].severity, 1, 'error, from the project config');
  assert.equal(diags[0].source, 'ML Notes');
  assert.match(diags[0].codeDescription!.href, /^file:\/\/.*\/notes\/ml-basis-notes\.md#L\d+$/);
  assert.ok(configRequests.length >= 1, 'the server asked for the mlNotes settings');

  const hover = (await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 23 } })) as { contents: { kind: string; value: string } };
  assert.equal(hover.contents.kind, 'markdown');
  assert.match(hover.contents.value, /\*\*ML Notes\*\* · /);
  assert.match(hover.contents.value, /\]\(file:\/\/[^)]*ml-basis-notes\.md#L\d+ "Open this section in the ML Notes panel"\)/, 'links are file URIs');
  assert.doesNotMatch(hover.contents.value, /command:|\$\(book\)/);

  const actions = (await conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diags[0].range, context: { diagnostics: diags } })) as { title: string; isPreferred?: boolean; edit?: { documentChanges: { edits: { newText: string }[] }[] }; command?: { command: string; arguments: unknown[] } }[];
  assert.match(actions[0].title, /^Set bias=False/);
  assert.equal(actions[0].isPreferred, true);
  assert.equal(actions[0].edit!.documentChanges[0].edits[0].newText, ', bias=False');
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes('Ignore conv-bias-before-batchnorm on this line'));
  assert.ok(titles.includes('Ignore conv-bias-before-batchnorm in this file'));
  const ignore = actions.find((a) => a.title === 'Ignore conv-bias-before-batchnorm on this line')!;
  assert.equal(ignore.edit!.documentChanges[0].edits[0].newText, ', conv-bias-before-batchnorm', 'added to the directive already on the line');
  const explain = actions.find((a) => a.command?.command === 'mlNotes.explain')!;
  const where = (await conn.sendRequest('workspace/executeCommand', { command: 'mlNotes.explain', arguments: explain.command!.arguments })) as { targetUri: string; range: { start: { line: number } } };
  assert.match(where.targetUri, /ml-basis-notes\.md$/);
  assert.ok(where.range.start.line > 0);
  const found = (await conn.sendRequest('workspace/executeCommand', { command: 'mlNotes.lookUp', arguments: ['focal'] })) as { title: string; uri: string }[];
  assert.ok(found.some((r) => r.uri.includes('losses.md')), 'the project config\'s notes are searched');

  // An edit that fixes the finding: the diagnostics are pushed again, empty.
  const cleared = new Promise<void>((resolve) => published.add(() => diagnostics.get(uri)?.length === 0 && resolve()));
  await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ text: MODEL.replace('padding=1)', 'padding=1, bias=False)') }] });
  await cleared;

  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000).unref())]);
  assert.equal(code, 0, `the server exits on exit (stderr: ${stderr})`);
  conn.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});

test('ml-notes lsp: the checks of the notes give diagnostics that link to their section', { timeout: 60_000 }, async () => {
  const root = tempTree({
    '.ml-notes.toml': 'notes = ["notes"]\n',
    'notes/habits.md': '# Habits\n\n## No prints\n\nLog instead.\n\n```ml-notes-check\nid: no-print\nmessage: "print($$$A): use logging"\nseverity: warning\npattern: print($$$A)\n```\n',
    'train.py': 'print("start")\n',
  });
  const child = spawn(process.execPath, [path.join(repoRoot, 'out', 'src', 'cli', 'main.js'), 'lsp', '--stdio'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  let resolveDiags: (d: { code: string; message: string; severity: number; codeDescription?: { href: string } }[]) => void = () => undefined;
  const got = new Promise<{ code: string; message: string; severity: number; codeDescription?: { href: string } }[]>((r) => (resolveDiags = r));
  conn.onNotification('textDocument/publishDiagnostics', (p: { diagnostics: never[] }) => {
    if (p.diagnostics.length) resolveDiags(p.diagnostics);
  });
  conn.onRequest('workspace/configuration', () => [{}]);
  conn.onNotification('window/logMessage', () => undefined);
  conn.listen();
  await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'p' }], capabilities: {} });
  await conn.sendNotification('initialized', {});
  const uri = pathToFileURL(path.join(root, 'train.py')).href;
  await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version: 1, text: 'print("start")\n' } });
  const [d] = await got;
  assert.equal(d.code, 'no-print');
  assert.equal(d.message, 'print("start"): use logging');
  assert.equal(d.severity, 2);
  assert.match(d.codeDescription!.href, /^file:\/\/.*\/notes\/habits\.md#L3$/);
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  assert.equal(await exited, 0);
  conn.dispose();
  fs.rmSync(root, { recursive: true, force: true });
});
