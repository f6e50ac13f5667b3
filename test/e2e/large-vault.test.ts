// A large vault in mlNotes.notesPaths: the bench's generated library (1,000 notes, 50,010 sections, 15.6 MB).
// Measured in the real VS Code: the first hover after the Python file opens on a cold start and after a window
// reload (the notes rebuilt from the index kept in the extension's storage, no note parsed again); beside them, the
// same first hover once everything is loaded (what opening, pointing and VS Code's hover take), the same after a reload
// of a window whose library is the bundled note alone (what the window takes after a reload), and when the terms
// were ready after the reload, and when the first hover reached the extension and how long it took to answer (its
// own line in the output channel); and the extension host's memory above an empty library, before and after the first
// Look Up (which builds its index). The figures are printed (`# large vault: …`); the scene asserts what a user sees
// (the hover, the output channel's account of the load, Look Up's rows), never a time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { generateLibrary } from '../../bench/generate';
import { describeVSCode, lastMessage, loggedAt, lookUpRows, messagesSince, showOutput, waitForOutput, type VSCode } from './lib';
import { nodeBinary, repoRoot } from './lib/paths';

/** The bench's library (bench/run.ts: 1,000 files, 50 sections each, the same seed). */
function writeVault(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ml-notes-large-vault-'));
  for (const note of generateLibrary({ files: 1000, sectionsPerFile: 50, seed: 20240501 })) {
    const file = join(dir, note.id.replace(/^notes\/gen\//, ''));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, note.text);
  }
  return dir;
}

/** The extension hosts among code-server's descendants, oldest first. */
function extensionHosts(serverPid: number): number[] {
  const procs: { pid: number; ppid: number; start: number }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // ended while the list was read
    }
    // After "pid (command) ": state(0) ppid(1) … starttime(19).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    procs.push({ pid: Number(name), ppid: Number(fields[1]), start: Number(fields[19]) });
  }
  const family = new Set([serverPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!family.has(p.pid) && family.has(p.ppid)) family.add(p.pid), (grew = true);
  }
  const cmdline = (pid: number): string => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  };
  return procs
    .filter((p) => p.pid !== serverPid && family.has(p.pid) && /type=extensionHost/.test(cmdline(p.pid)))
    .sort((a, b) => a.start - b.start)
    .map((p) => p.pid);
}

/** What the newest extension host holds, in MB: see extensionHostMemory. */
interface HostMemory {
  /** V8's heap in use and the memory outside it that its objects own, once its garbage is collected. */
  live: number;
  /** The size of V8's young generation (new space) before that collection. */
  young: number;
  /** Its resident size once collected. */
  rssCollected: number;
}

/**
 * What the newest extension host holds once its garbage is collected. Its resident size also counts heap V8 has not
 * given back, which varies by tens of MB with the time of the last collection (above all the young generation, which
 * a burst of allocation such as a load grows, and only a full collection shrinks); this does not. Undefined, with the
 * reason printed, when the inspector cannot be used (another process holds its port, e.g.
 * scripts/profile-extension-host.mjs recording this scene).
 */
function extensionHostMemory(vs: VSCode): HostMemory | undefined {
  const hosts = extensionHosts(vs.server.pid);
  assert.ok(hosts.length, 'an extension host is running');
  // Run by code-server's Node (it has a WebSocket).
  const r = spawnSync(nodeBinary, [join(repoRoot, 'scripts', 'profile-extension-host.mjs'), 'memory', String(hosts[hosts.length - 1])], { encoding: 'utf8', timeout: 90_000 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').split('\n').find((l) => /^\s*\w*Error: /.test(l)) ?? `exit ${r.status}`;
    console.log(`# large vault: the extension host's live memory was not read: ${why.trim()}`);
    return undefined;
  }
  const usage = JSON.parse(r.stdout) as { heapUsed: number; external: number; rss: number; youngBefore: number };
  const mb = (bytes: number) => bytes / 1048576;
  return { live: mb(usage.heapUsed + usage.external), young: mb(usage.youngBefore), rssCollected: mb(usage.rss) };
}

/** `a - b` rounded, when both were measured. */
const above = (a: number | undefined, b: number | undefined): number | null => (a === undefined || b === undefined ? null : Math.round(a - b));

/** Resident memory of the newest extension host, in MB. */
function extensionHostRssMB(vs: VSCode): number {
  const hosts = extensionHosts(vs.server.pid);
  assert.ok(hosts.length, 'an extension host is running');
  const status = readFileSync(`/proc/${hosts[hosts.length - 1]}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  assert.ok(kb > 0);
  return kb / 1024;
}

/** The index kept in the extension's workspace storage, once written. */
function keptIndex(vs: VSCode): string | undefined {
  const root = join(vs.userDataDir, 'User', 'workspaceStorage');
  if (!existsSync(root)) return undefined;
  for (const ws of readdirSync(root)) {
    const dir = join(root, ws);
    if (!statSync(dir).isDirectory()) continue;
    for (const ext of readdirSync(dir)) {
      const file = join(dir, ext, 'notes-index.json');
      if (/ml-notes/i.test(ext) && existsSync(file)) return file;
    }
  }
  return undefined;
}

async function until<T>(vs: VSCode, what: string, probe: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await vs.page.waitForTimeout(250);
  }
}

/**
 * Opens the Python file and hovers on `class FPN`: when the editor showed the file (epoch ms), ms from then to the
 * hover shown, and its text.
 */
async function firstHover(vs: VSCode): Promise<{ opened: number; ms: number; text: string }> {
  const { workbench } = vs;
  await workbench.openFile('detector.py');
  const opened = Date.now();
  // The hover provider may register a moment after the file opens (activation): point again until one shows.
  for (let attempt = 1; ; attempt++) {
    try {
      // `class FPN` is in view once the file opens (from the top, or where the last session left the editor): pointed
      // at where it is drawn, with no Go to Line in the time.
      // The mouse comes back every 1 s while no hover shows (VS Code asks the providers once per rest of the mouse,
      // and none was registered yet while the extension activated): the figure is within 1 s of the first moment a
      // hover could show, not up to the 2.5 s of the usual pace (and a hover still loading shows "Loading…" first).
      const hover = await workbench.hoverDrawn('class FPN', { at: 'class F'.length, timeoutMs: 30_000, repointMs: 1000 });
      return { opened, ms: Date.now() - opened, text: hover.text };
    } catch (err) {
      if (attempt === 3) throw err;
      await workbench.clearHover();
    }
  }
}

const FIRST_HOVER = /First hover since the notes began loading: asked (\d+) ms after the load began, answered in (\d+) ms \((-?\d+) ms of it waiting for the terms\)\./;

/**
 * The extension's own account of the first hover since the notes began loading (it is logged once per load): when it
 * was asked, in ms after the file opened (`opened`, epoch ms), and how long the extension took to answer it.
 */
async function firstHoverLogged(vs: VSCode, opened: number): Promise<{ askedMs: number; answeredInMs: number }> {
  const messages = await waitForOutput(vs.workbench, (m) => !!lastMessage(messagesSince(m, opened), FIRST_HOVER), 'the first hover of the load');
  const line = lastMessage(messagesSince(messages, opened), FIRST_HOVER)!;
  const answeredInMs = Number(FIRST_HOVER.exec(line)![2]);
  return { askedMs: loggedAt(line) - answeredInMs - opened, answeredInMs };
}

const GAVE_BACK = /Gave back the memory the notes load left behind: a full garbage collection held the extension host (\d+) ms; resident size (\d+) MB → (\d+) MB\./;

/**
 * The extension's account of the collection it runs once a large load has finished and the editor is quiet (logged at
 * or after `since`, epoch ms): how long it held the extension host, and its resident size before and after, in MB.
 */
async function gaveBack(vs: VSCode, since: number): Promise<{ ms: number; beforeMB: number; afterMB: number }> {
  const messages = await waitForOutput(vs.workbench, (m) => !!lastMessage(messagesSince(m, since), GAVE_BACK), 'the memory given back after the load', 120_000);
  const [, ms, beforeMB, afterMB] = GAVE_BACK.exec(lastMessage(messagesSince(messages, since), GAVE_BACK)!)!.map(Number);
  return { ms, beforeMB, afterMB };
}

const LOADED = /Loaded (\d+) note file\(s\), (\d+) sections, \d+ terms in (\d+) ms \(terms ready after (\d+) ms; (\d+) rebuilt from the last session, (\d+) parsed\)/g;

/** The last "Loaded …" line of the output channel: [files, sections, ms, terms ready ms, rebuilt, parsed]. */
async function lastLoad(vs: VSCode, files: number): Promise<number[]> {
  const text = await showOutput(vs.workbench, new RegExp(`Loaded ${files} note file`));
  const all = [...text.matchAll(LOADED)].map((m) => m.slice(1).map(Number));
  assert.ok(all.length, `the output channel says how the notes were loaded:\n${text.slice(-2000)}`);
  return all[all.length - 1];
}

describeVSCode('large vault', { workspace: 'python-project', settings: { 'mlNotes.includeBundledNotes': false, 'mlNotes.notesPaths': [] } }, (scene) => {
  scene(
    'a 1,000-note vault: the first hover on a cold start and after a reload (from the kept index), and the memory it takes',
    async (vs, t) => {
      const { workbench } = vs;
      const vault = writeVault();
      const sceneStart = Date.now();
      try {
        // An empty library: the baseline of the extension host's memory.
        const kept = keptIndex(vs);
        if (kept) rmSync(kept);
        await workbench.runCommand('View: Close All Editors');
        await vs.updateSettings({ 'mlNotes.notesPaths': [] });
        await workbench.openFile('detector.py');
        await lastLoad(vs, 0).catch(() => undefined);
        await vs.page.waitForTimeout(3000);
        const emptyMB = extensionHostRssMB(vs);
        const emptyLive = extensionHostMemory(vs);

        // Cold: the vault in the settings, no index kept yet.
        await workbench.runCommand('View: Close All Editors');
        const coldStart = Date.now();
        await vs.updateSettings({ 'mlNotes.notesPaths': [vault] });
        const cold = await firstHover(vs);
        assert.match(cold.text, /Feature Pyramid Network|特征金字塔网络/, 'the hover shows a note of the vault');
        const [files, sections, coldLoadMs, coldTermsMs, coldRebuilt, coldParsed] = await lastLoad(vs, 1000);
        assert.equal(files, 1000);
        assert.ok(sections >= 50_000, `${sections} sections`);
        assert.equal(coldRebuilt, 0, 'nothing kept from an earlier session');
        assert.equal(coldParsed, 1000);
        // The first cold hover may come while notes are still being read (from those read so far): the hover the
        // warm start must give is the one once all are read.
        await workbench.clearHover();
        const coldSettled = (await workbench.hover('FPN', { occurrence: 2 })).text;
        // From the kept index, the same hover as once the notes were parsed (the "Also:" notes of equal rank may come
        // in another order: they follow the order the notes were read in).
        const shown = (text: string) => text.split(/\bAlso:|另见：/)[0];
        await workbench.clearHover();
        // The same first hover once every note is loaded: what opening the file, pointing and VS Code's own hover
        // delay and drawing take, with nothing of the notes left to wait for (the floor of the figures above).
        await workbench.runCommand('View: Close All Editors');
        const loaded = await firstHover(vs);
        assert.equal(shown(loaded.text), shown(coldSettled));
        await workbench.clearHover();
        // The index is kept in the extension's workspace storage once the notes are loaded.
        const index = await until(vs, 'the kept index', () => keptIndex(vs));
        const indexMB = statSync(index).size / 1048576;
        // Once the load is over, its index kept and the editor quiet, the extension gives back what the load left.
        const coldGaveBack = await gaveBack(vs, coldStart);
        // The empty library's load before it was too small to be worth a collection: this is the scene's first.
        const logged = await waitForOutput(workbench, () => true, 'the output channel');
        assert.equal(messagesSince(logged, sceneStart).filter((m) => GAVE_BACK.test(m)).length, 1, 'one collection, after the vault\'s load only');
        await vs.page.waitForTimeout(3000);
        const vaultMB = extensionHostRssMB(vs);
        const vaultLive = extensionHostMemory(vs);

        // Warm: a window reload; the notes come back from the kept index, none is parsed.
        await workbench.runCommand('View: Close All Editors');
        await vs.reload();
        const warm = await firstHover(vs);
        assert.match(warm.text, /Feature Pyramid Network|特征金字塔网络/);
        assert.equal(shown(warm.text), shown(coldSettled), 'the same hover as when the notes were parsed');
        const [, , warmLoadMs, warmTermsMs, warmRebuilt, warmParsed] = await lastLoad(vs, 1000);
        // The output channel says where the time to the terms went (folders, reading and decoding the kept index).
        // The whole message (a long line is drawn in parts: wait until its end shows), and when it was logged.
        const READY = /Terms ready after .*? registered in \d+ ms\./;
        const ready = lastMessage(await waitForOutput(workbench, (m) => !!lastMessage(m, READY), 'where the time to the terms went'), READY)!;
        const breakdown = READY.exec(ready)![0];
        const warmTermsAfterOpenMs = loggedAt(ready) - warm.opened;
        // The extension says when the first hover reached it and how long it took: the rest of the figure is the window's.
        const warmHover = await firstHoverLogged(vs, warm.opened);
        assert.equal(warmRebuilt, 1000, 'every note rebuilt from the kept index');
        assert.equal(warmParsed, 0);
        const warmGaveBack = await gaveBack(vs, warm.opened);
        await vs.page.waitForTimeout(3000);
        const warmMB = extensionHostRssMB(vs);
        const warmLive = extensionHostMemory(vs);

        // Look Up: its index is built once it is wanted (nothing above needed it); the picker lists what
        // `ml-notes lookup` lists for the same vault once every note is in it.
        await workbench.runCommand('ML Notes: Look Up…');
        // Nothing built the index before: the picker says so while it builds.
        await workbench.quickInputRows().filter({ hasText: /Indexing notes… \d+\/1000/ }).first().waitFor({ state: 'visible' });
        const { rows } = await lookUpRows(vs, 'FPN', { notes: [relative(vs.workspaceDir, vault)], bundled: false });
        assert.ok(rows.length > 1, 'Look Up lists the vault\'s sections');
        await vs.page.keyboard.press('Escape');
        await vs.page.waitForTimeout(3000);
        const lookUpMB = extensionHostRssMB(vs);
        const lookUpLive = extensionHostMemory(vs);

        // The floor of the figure after a reload: the same first hover after a reload of a window whose library is the
        // bundled note alone (nothing of a vault to read back): what VS Code's window takes after a reload.
        await vs.updateSettings({ 'mlNotes.notesPaths': [], 'mlNotes.includeBundledNotes': true });
        await lastLoad(vs, 1);
        await workbench.runCommand('View: Close All Editors');
        await vs.reload();
        const floor = await firstHover(vs);
        assert.match(floor.text, /FPN architecture/, 'the bundled note\'s hover');
        const floorHover = await firstHoverLogged(vs, floor.opened);

        const figures = {
          coldFirstHoverMs: cold.ms,
          warmFirstHoverMs: warm.ms,
          loadedFirstHoverMs: loaded.ms,
          reloadFloorFirstHoverMs: floor.ms,
          warmTermsAfterOpenMs,
          // After the file opened: when the first hover reached the extension, and in how long it answered.
          warmHoverAskedMs: warmHover.askedMs,
          warmHoverAnsweredInMs: warmHover.answeredInMs,
          floorHoverAskedMs: floorHover.askedMs,
          floorHoverAnsweredInMs: floorHover.answeredInMs,
          coldLoadMs,
          coldTermsReadyMs: coldTermsMs,
          warmLoadMs,
          warmTermsReadyMs: warmTermsMs,
          extensionHostEmptyMB: Math.round(emptyMB),
          extensionHostVaultMB: Math.round(vaultMB),
          aboveEmptyColdMB: Math.round(vaultMB - emptyMB),
          aboveEmptyWarmMB: Math.round(warmMB - emptyMB),
          aboveEmptyAfterLookUpMB: Math.round(lookUpMB - emptyMB),
          liveEmptyMB: above(emptyLive?.live, 0),
          liveAboveEmptyColdMB: above(vaultLive?.live, emptyLive?.live),
          liveAboveEmptyWarmMB: above(warmLive?.live, emptyLive?.live),
          liveAboveEmptyAfterLookUpMB: above(lookUpLive?.live, emptyLive?.live),
          // Empty, cold, warm, after Look Up; then the resident size once collected above the empty library's.
          youngGenerationMB: [emptyLive, vaultLive, warmLive, lookUpLive].map((m) => above(m?.young, 0)),
          collectedAboveEmptyMB: [vaultLive, warmLive, lookUpLive].map((m) => above(m?.rssCollected, emptyLive?.rssCollected)),
          keptIndexMB: Number(indexMB.toFixed(1)),
          // The collection after the cold load and after the reload's: ms it held the host, resident MB before, after.
          gaveBack: [coldGaveBack, warmGaveBack].map((g) => [g.ms, g.beforeMB, g.afterMB]),
        };
        t.diagnostic(`large vault: ${JSON.stringify(figures)}`);
        t.diagnostic(`large vault, warm start: ${breakdown}`);
        console.log(`# large vault, warm start: ${breakdown}`);
        console.log(`# large vault: ${JSON.stringify(figures)}`);
      } finally {
        rmSync(vault, { recursive: true, force: true });
      }
    },
    { timeoutMs: 420_000 },
  );
});
