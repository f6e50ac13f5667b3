// Installed beside ML Notes in the end-to-end scenes' windows only (test/e2e/lib/settingsWriter.ts); never shipped.
// The harness writes a request (the whole new text of the user settings file) into the folder named by
// ML_NOTES_E2E_SETTINGS_DIR; this extension has VS Code write that file (a workspace edit that creates it over the
// old one), through the window's file service. VS Code's configuration service sees its own write of the user
// settings file, reads it, and every extension gets one onDidChangeConfiguration for the settings the new text
// changes, as after a user saved settings.json in its editor. It answers in response.json (`{ id, error? }`); the
// harness waits for the window to show the change (the counter in its title).
//
// The file is named as the window names it: code-server keeps the user settings at `vscode-remote:` + the path,
// with no authority. A `file:` URI from this extension host would reach the window as
// `vscode-remote://<host:port>/<path>`: the same file on disk, but not the resource the configuration service
// watches, and the change would not be seen (nor is a file written to disk behind VS Code's back).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined; // not there yet
  }
}

exports.activate = (context) => {
  const dir = process.env.ML_NOTES_E2E_SETTINGS_DIR;
  if (!dir) return;
  const requestFile = path.join(dir, 'request.json');
  const responseFile = path.join(dir, 'response.json');
  // A request already answered (before a window reload restarted this extension host) is not applied again.
  let done = readJson(responseFile)?.id ?? 0;
  let running = false;
  let again = false;

  const apply = async (request) => {
    // Not vscode.Uri.file: see the top of this file.
    const uri = vscode.Uri.from({ scheme: 'vscode-remote', authority: '', path: request.settingsFile });
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(uri, { overwrite: true, contents: Buffer.from(request.content, 'utf8') });
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('VS Code did not write settings.json');
  };

  const answer = (response) => {
    const tmp = `${responseFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(response));
    fs.renameSync(tmp, responseFile);
  };

  const check = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const request = readJson(requestFile);
        if (!request || request.id <= done) continue;
        done = request.id;
        try {
          await apply(request);
          answer({ id: request.id });
        } catch (err) {
          answer({ id: request.id, error: String((err && err.message) || err) });
        }
      } while (again);
    } finally {
      running = false;
    }
  };

  fs.mkdirSync(dir, { recursive: true });
  // The harness writes request.json.tmp and renames it over request.json: one event, a whole file.
  const watcher = fs.watch(dir, (_event, name) => {
    if (!name || name === 'request.json') void check();
  });
  context.subscriptions.push({ dispose: () => watcher.close() });
  void check();
};

exports.deactivate = () => undefined;
