// An Obsidian-style vault as the notes folder (test/fixtures/vault, the workspace itself): the panel shows its
// wikilinks, embeds, callouts and tags as they are meant to be read, a wikilink click opens the linked note at its
// heading, and "Linked from" lists the notes that link to the note shown, updated when one of them is saved.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { describeVSCode, lookUpRows, type VSCode } from './lib';
import { repoRoot } from './lib/paths';

const vault = join(repoRoot, 'test', 'fixtures', 'vault');

/** Look Up `query`, Enter on the first row once the rows are `ml-notes lookup`'s, and wait for the panel to show `text`. */
async function openViaLookUp(vs: VSCode, query: string, text: string): Promise<FrameLocator> {
  const { workbench } = vs;
  await workbench.runCommand('ML Notes: Look Up…');
  await lookUpRows(vs, query, { notes: ['.'], bundled: false });
  await workbench.press('Enter');
  await workbench.tab('ML Notes').first().waitFor({ state: 'visible' });
  return workbench.waitForWebview(text);
}

describeVSCode('vault', { workspace: vault, settings: { 'mlNotes.notesPaths': ['.'], 'mlNotes.includeBundledNotes': false } }, (scene) => {
  scene('the panel shows the vault\'s links, embeds, callouts and tags, and a wikilink opens the linked note at its heading', async (vs) => {
    const { workbench } = vs;
    const panel = await openViaLookUp(vs, 'Recipes', 'What I reach for first');
    const article = panel.locator('article');
    const text = await article.innerText();
    assert.doesNotMatch(text, /\[\[|\]\]|\[!\w+\]|==/, 'no vault syntax is left as text');
    // Callouts from the theme, folded and open; the embedded section with its title; tags; a broken link.
    assert.equal(await article.locator('.callout').count(), 5);
    assert.equal(await article.locator('details.callout:not([open])').count(), 1, 'the folded callout is closed');
    await article.locator('.embed .embed-title', { hasText: 'Warmup › Gradual warmup' }).waitFor({ state: 'visible' });
    assert.match(await article.locator('.embed').innerText(), /Linear ramp over 5 epochs/);
    assert.ok((await article.locator('.tag', { hasText: '#ml/training' }).count()) === 1);
    const broken = article.locator('a.broken-link', { hasText: 'Missing note' });
    assert.equal(await broken.getAttribute('title'), 'No note is named “Missing note”.');
    await workbench.screenshot('readme-vault-panel');

    await article.locator('a.wikilink', { hasText: 'a gradual warmup' }).click();
    const heading = panel.locator('article h2#gradual-warmup');
    await workbench.waitInViewport(heading);
    assert.match(await panel.locator('article h1').first().innerText(), /^Warmup$/);
  });

  scene('"Linked from" lists the notes and sections that link here; saving a note that links adds it; a click opens it', async (vs) => {
    const { workbench } = vs;
    const panel = await openViaLookUp(vs, 'LR warmup', 'Starting a large-batch run');
    const list = panel.locator('section.backlinks');
    await list.locator('h2', { hasText: 'Linked from' }).waitFor({ state: 'visible' });
    const items = list.locator('li.backlink');
    await items.filter({ hasText: 'SGD' }).filter({ hasText: 'Momentum 0.9, and a warmup for large batches.' }).waitFor({ state: 'visible' });
    await items.filter({ hasText: 'Training recipes › The warmup, embedded' }).filter({ hasText: 'embeds this note' }).waitFor({ state: 'visible' });
    const before = await items.count();
    assert.ok(before >= 5, `${before} backlinks`);
    await list.scrollIntoViewIfNeeded();
    await workbench.screenshot('readme-vault-backlinks');

    // A new link, saved in another note: the list grows without a reload.
    await workbench.openFile('Losses/Focal Loss.md');
    await workbench.typeAt(3, 'end', ' Pair it with [[Warmup#Linear scaling rule|a scaled rate]].');
    await workbench.save();
    await workbench.tab('ML Notes').first().click();
    const again = (await workbench.waitForWebview('Starting a large-batch run')).locator('section.backlinks li.backlink');
    await again.filter({ hasText: 'Focal Loss' }).filter({ hasText: 'Pair it with a scaled rate.' }).waitFor({ state: 'visible' });
    assert.equal(await again.count(), before + 1);

    await again.filter({ hasText: 'SGD' }).locator('a.backlink-title').click();
    await (await workbench.waitForWebview('Momentum 0.9')).locator('article h1', { hasText: /^SGD$/ }).waitFor({ state: 'visible' });
  });
});
