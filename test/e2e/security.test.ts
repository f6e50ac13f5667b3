// Hostile notes (test/e2e/fixtures/hostile-notes/notes) opened in the real panel and hover: scripts, event
// handlers, javascript:/data:/command: links, frames, SVG, math commands, forms, styles, meta refresh and
// objects. Each payload, if it ran, would set a `data-pwned` attribute, open a dialog or a terminal, or
// send a request to http://127.0.0.1:9/ (loopback, nothing leaves the machine). The scenes assert that
// the panel's DOM holds none of the dangerous constructs and that none of those effects happens.
import assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { describeVSCode, type Workbench } from './lib';

const PAYLOAD_HOST = '127.0.0.1:9';

/** Every hostile note: the start of its title in the note picker, and the marker line it shows. */
const NOTES = [
  { title: 'Hostile: script elements', marker: 'Marker: the script note is shown.' },
  { title: 'Hostile: event handlers', marker: 'Marker: the event handler note is shown.' },
  { title: 'Hostile: javascript and data links', marker: 'Marker: the link note is shown.' },
  { title: 'Hostile: iframes and embeds', marker: 'Marker: the frame note is shown.' },
  { title: 'Hostile: svg and mathml', marker: 'Marker: the svg note is shown.' },
  { title: 'Hostile: math', marker: 'Marker: the math note is shown.' },
  { title: 'Hostile: command links', marker: 'Marker: the command note is shown.' },
  { title: 'Hostile: forms', marker: 'Marker: the form note is shown.' },
  { title: 'Hostile: style', marker: 'Marker: the style note is shown.' },
  { title: 'Hostile: meta and base', marker: 'Marker: the meta note is shown.' },
  { title: 'Hostile: object', marker: 'Marker: the object note is shown.' },
];

/** Retries `check` (an assertion) for up to 10 s. */
async function expect(check: () => Promise<void>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function openPanel(workbench: Workbench): Promise<FrameLocator> {
  await workbench.runCommand('ML Notes: Open Notes Panel');
  await workbench.tab('ML Notes').first().waitFor({ state: 'visible' });
  return workbench.waitForWebview(/^Marker: /);
}

async function showNote(workbench: Workbench, panel: FrameLocator, note: (typeof NOTES)[number]): Promise<void> {
  const picker = panel.locator('select.file-picker');
  const labels = await picker.locator('option').allInnerTexts();
  const label = labels.find((l) => l.startsWith(note.title));
  assert.ok(label, `the note picker lists "${note.title}": ${JSON.stringify(labels)}`);
  await picker.selectOption({ label });
  await workbench.waitInViewport(panel.locator('article p', { hasText: note.marker }));
}

/**
 * What is dangerous in the panel's document: inside the panel's UI (`#app`: toolbar, contents, the note with its
 * "Used in code" lists),
 * elements that run code, load other documents or submit data, and inline styles from the note (KaTeX's
 * own layout styles aside); anywhere in the document, event handler attributes, scripted URLs and the
 * payloads' marker; in the body, nothing but the panel and its nonce'd script.
 */
function dangers(panel: FrameLocator): Promise<string[]> {
  return panel.locator('html').evaluate((root) => {
    const found: string[] = [];
    const describe = (el: Element) => `<${el.tagName.toLowerCase()}${Array.from(el.attributes).map((a) => ` ${a.name}="${a.value.slice(0, 60)}"`).join('')}>`;
    const app = root.querySelector('#app');
    if (!app) return ['no #app'];
    const forbidden = 'script, iframe, frame, frameset, object, embed, applet, portal, form, input:not(.search-input), button:not(.toolbar button):not(.toc-toggle):not(details.used-in-code button), textarea, select:not(.file-picker), style, link, meta, base, template, video, audio, marquee';
    for (const el of Array.from(app.querySelectorAll(forbidden))) found.push(`element ${describe(el)}`);
    // SVG and MathML in the note only as KaTeX draws them.
    for (const el of Array.from(app.querySelectorAll('article svg, article math'))) if (!el.closest('.katex')) found.push(`element ${describe(el)}`);
    for (const el of Array.from(root.querySelectorAll('body > *'))) {
      if (el !== app && !(el.tagName === 'SCRIPT' && el.hasAttribute('nonce'))) found.push(`element in the body ${describe(el)}`);
    }
    const scripted = /^(?:javascript|vbscript|data:(?!image\/(?:png|gif|jpe?g|webp|svg\+xml)[;,])|command|file):/i;
    for (const el of Array.from(root.querySelectorAll('*'))) {
      for (const a of Array.from(el.attributes)) {
        const name = a.name.toLowerCase();
        const value = a.value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
        if (name.startsWith('on')) found.push(`handler ${name} on ${describe(el)}`);
        if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'srcdoc', 'srcset'].includes(name) && (scripted.test(value) || name === 'srcdoc')) found.push(`URL ${name} on ${describe(el)}`);
        if (name === 'style' && el.closest('article') && !el.closest('.katex') && !el.classList.contains('note-content')) found.push(`style on ${describe(el)}`);
        if (name === 'style' && /url\(/i.test(value)) found.push(`style with a URL on ${describe(el)}`);
        if (name === 'data-pwned' || (name === 'id' && /pwned/i.test(value)) || (name === 'class' && /\bpwned\b/.test(value))) found.push(`payload marker on ${describe(el)}`);
      }
    }
    return found;
  });
}

describeVSCode('security', { workspace: 'hostile-notes' }, (scene) => {
  scene('hostile notes render inert in the panel: nothing runs, loads or submits, and nothing is requested', async ({ workbench }) => {
    const panel = await openPanel(workbench);
    const frameUrl = await panel.locator('html').evaluate(() => location.href);
    // What the panel's Content-Security-Policy blocks from now on (the panel keeps this document while it
    // shows one note after another).
    await panel.locator('html').evaluate(() => {
      const w = window as unknown as { cspViolations: string[] };
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const cspViolations = () => panel.locator('html').evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations.slice());
    // The panel opened at the first note; every note is shown again now that the listener is there.
    for (const note of [...NOTES.slice(1), NOTES[0]!]) {
      await showNote(workbench, panel, note);
      assert.deepEqual(await dangers(panel), [], `"${note.title}": dangerous constructs in the panel`);
      // Click every link that is not a plain web or relative link: the scripted ones.
      const links = panel.locator('article a');
      for (let i = 0, n = await links.count(); i < n; i++) {
        const href = await links.nth(i).getAttribute('href');
        if (href !== null && (/^https?:/i.test(href) || !/^[a-z][\w+.-]*:/i.test(href))) continue;
        await links.nth(i).click();
      }
      // The content is still there and still inert after the clicks.
      await workbench.waitInViewport(panel.locator('article p', { hasText: note.marker }));
      assert.deepEqual(await dangers(panel), [], `"${note.title}": dangerous constructs after clicking its links`);
    }
    // Another round of the whole document: late timers, late loads.
    assert.deepEqual(await dangers(panel), []);
    assert.equal(await panel.locator('html').evaluate(() => location.href), frameUrl, 'the panel\'s frame never navigated (meta refresh, base, links)');
    assert.equal(await workbench.page.locator('body[data-pwned], [data-pwned]').count(), 0, 'nothing marked the workbench');
    assert.deepEqual(workbench.dialogs, [], 'no dialog opened');
    const payloadRequests = workbench.requests.filter((r) => r.url.includes(PAYLOAD_HOST));
    assert.deepEqual(payloadRequests, [], 'no request reached the payloads\' address');
    assert.deepEqual(workbench.nonLocalRequests(), [], 'no request left VS Code and its webview resources');
    // The sanitiser left nothing for the Content-Security-Policy to block.
    assert.deepEqual(await cspViolations(), [], 'no payload was left for the CSP to block');
    // No editor opened from a link (a file: link, the note of a relative link).
    const tabs = await workbench.page.locator('.tabs-container .tab .label-name').allInnerTexts();
    assert.equal(tabs.length, 1, `open editors: ${JSON.stringify(tabs)}`);
    assert.match(tabs[0]!, /^ML Notes: Hostile: script elements/);

    await workbench.screenshot();

    // Controls: each check above does see what it looks for. A handler put into the note is reported...
    await panel.locator('article').evaluate((a) => a.insertAdjacentHTML('beforeend', '<span id="control" onclick="void 0">control</span>'));
    assert.ok((await dangers(panel)).some((d) => d.startsWith('handler onclick')), 'the DOM check reports a handler');
    await panel.locator('#control').evaluate((el) => el.remove());
    // ...a load the panel's CSP refuses is logged (the check on blocked payloads above can see one)...
    await panel.locator('article').evaluate((a, host) => a.insertAdjacentHTML('beforeend', `<img src="http://${host}/csp-control">`), PAYLOAD_HOST);
    await expect(async () => assert.ok((await cspViolations()).includes(`img-src http://${PAYLOAD_HOST}/csp-control`)), 'the CSP violation log sees a blocked image');
    // ...a request to the payloads' address is recorded, from any page of the browser...
    const other = await workbench.page.context().newPage();
    await other.goto(`http://${PAYLOAD_HOST}/control`).catch(() => undefined);
    await other.close();
    assert.ok(workbench.requests.some((r) => r.url === `http://${PAYLOAD_HOST}/control`), 'the request log sees loopback requests');
    // ...and so is a dialog.
    await workbench.page.evaluate(() => alert('control'));
    assert.deepEqual((workbench.dialogs as { message: string }[]).map((d) => d.message), ['control'], 'the dialog log sees dialogs');
  }, { timeoutMs: 240_000 });

  scene('a command: link in a note opens no terminal when clicked in the panel', async ({ workbench }) => {
    const panel = await openPanel(workbench);
    await showNote(workbench, panel, NOTES.find((n) => n.title === 'Hostile: command links')!);
    const text = await panel.locator('article').innerText();
    assert.match(text, /Open a terminal/, 'the link text is shown');
    for (const name of ['Open a terminal, raw', 'Clone through a vscode link']) {
      const link = panel.locator('article a', { hasText: name });
      assert.equal(await link.getAttribute('href'), null, `"${name}" has no href left`);
      await link.click();
    }
    // The Markdown command link is shown as text, not as a link.
    assert.equal(await panel.locator('article a', { hasText: /^Open a terminal$/ }).count(), 0);
    await panel.getByText('[Open a terminal](command:workbench.action.terminal.new)').click();
    assert.equal(await workbench.appearsWithin(workbench.terminals(), 3000), false, 'no terminal opened');
    assert.deepEqual(workbench.dialogs, []);

    // The control: a terminal that a user opens does show, so the check above could see one.
    await workbench.runCommand('Terminal: Create New Terminal');
    assert.equal(await workbench.appearsWithin(workbench.terminals(), 20_000), true, 'a terminal opened by the user shows');
    await workbench.runCommand('Terminal: Kill All Terminals');
    await workbench.terminals().first().waitFor({ state: 'hidden' });
  });

  scene('a command: link in a hover is shown but clicking it opens no terminal', async ({ workbench }) => {
    await workbench.openFile('model.py');
    const hover = await workbench.hover('open_terminal', { occurrence: 2 });
    assert.match(hover.text, /Command links/);
    assert.ok(hover.links.includes('Open a terminal'), `links in the hover: ${JSON.stringify(hover.links)}`);
    // The hover's HTML (the note may hold HTML) carries no handler and no scripted link either.
    const html = await hover.locator.innerHTML();
    assert.doesNotMatch(html, /\son\w+=|javascript:|127\.0\.0\.1:9/i);
    await workbench.screenshot('hover-command-link');
    for (const name of ['Open a terminal', 'Send to a terminal']) {
      const shown = await workbench.hover('open_terminal', { occurrence: 2 });
      await shown.locator.getByRole('link', { name, exact: true }).click();
      assert.equal(await workbench.appearsWithin(workbench.terminals(), 3000), false, `clicking "${name}" opened a terminal`);
    }
    assert.deepEqual(workbench.dialogs, []);
    assert.equal(await workbench.page.locator('[data-pwned]').count(), 0);
    assert.deepEqual(workbench.requests.filter((r) => r.url.includes(PAYLOAD_HOST)), []);

    // The control: the hover's own command link does run (it opens the panel at this note).
    const own = await workbench.hover('open_terminal', { occurrence: 2 });
    await own.locator.getByRole('link', { name: 'Open in ML Notes' }).click();
    await workbench.waitForWebview('Marker: the command note is shown.');
    assert.equal(await workbench.terminals().count(), 0);
  });

  scene(
    'markup from inside a dropped inline element (an inline <script>) does not reach the panel',
    async ({ workbench }) => {
      const panel = await openPanel(workbench);
      await showNote(workbench, panel, NOTES[0]!);
      // The inline `<script>…fetch('http://127.0.0.1:9/script-inline')…</script>` is dropped with its text and with
      // the link markdown-it's linkify makes of the URL inside it.
      const leaked = await panel.locator('article').evaluate((a) =>
        Array.from(a.querySelectorAll('*'))
          .filter((el) => Array.from(el.attributes).some((at) => at.value.includes('127.0.0.1:9')))
          .map((el) => el.outerHTML),
      );
      assert.deepEqual(leaked, [], 'elements built from inside the dropped <script>');
    },
  );
});
