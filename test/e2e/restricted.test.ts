// Workspace trust: a folder opened in Restricted Mode reads the bundled notes and the notes inside it, but not a notes
// folder elsewhere on disk (a cloned repository must not make the extension read arbitrary paths); trusting the
// folder reads them at once, with no reload.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describeVSCode, paths, showOutput } from './lib';

const OUTSIDE = join(paths.e2eFixturesDir, 'restricted-outside-notes');

describeVSCode(
  'restricted mode',
  { workspace: 'restricted', restrictedMode: true, settings: { 'mlNotes.notesPaths': ['notes', OUTSIDE] } },
  (scene) => {
    scene('in Restricted Mode the notes inside the folder work, a notes folder outside it is not read', async ({ workbench }) => {
      await workbench.openFile('train.py');
      const inside = await workbench.hover('sigmoid_focal_loss', { occurrence: 2 });
      assert.match(inside.text, /Focal loss/);
      assert.equal(await workbench.expectNoHoverContaining('label_smoothing', 'Label smoothing'), undefined, 'no hover from the outside notes');
      const log = await showOutput(workbench, /outside this untrusted workspace/);
      await workbench.runCommand('View: Hide Panel');
      assert.match(log, new RegExp(`Notes path “${OUTSIDE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}” is outside this untrusted workspace`));
    });

    scene('trusting the folder reads the outside notes at once', async ({ workbench, page }) => {
      await workbench.runCommand('Workspaces: Manage Workspace Trust');
      const trusted = page.getByText('You trust this folder');
      const trust = page.getByRole('button', { name: /^Trust( Folder)?$/ }).first();
      // The editor shows either the button (not trusted yet) or that the folder is trusted (a retry).
      await trusted.or(trust).first().waitFor({ state: 'visible' });
      if (!(await trusted.isVisible())) await trust.click();
      await trusted.waitFor({ state: 'visible' });
      // The trust editor opens over the workbench: close it, then go back to the code.
      await workbench.runCommand('View: Close All Editors');
      await workbench.openFile('train.py');
      // The grant reaches the extension before this hover does, and a hover waits for the notes it started reading.
      const { text } = await workbench.hover('label_smoothing');
      assert.match(text, /Soft targets/);
    });
  },
);
