// What a user does in the VS Code window, as playwright-core calls. Every wait is for a UI state
// (an element shown, hidden, or holding some text), never a fixed sleep.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { readmeScreenshotsDir, refreshReadmeScreenshots, screenshotsDir } from './paths';

export interface RecordedDialog {
  type: string;
  message: string;
  frameUrl: string;
}

export interface RecordedRequest {
  url: string;
  method: string;
  resourceType: string;
  /** URL of the frame that made it ('' for a service worker or when unknown). */
  frameUrl: string;
  /** True when the request came from a webview frame (the panel or its host frame). */
  fromWebview: boolean;
  fromServiceWorker: boolean;
}

export interface RecordedConsoleMessage {
  /** `log`, `warning`, `error`, ... */
  type: string;
  text: string;
  /** Where it was logged from (a script's or a document's URL; '' when unknown). */
  url: string;
}

export interface HoverResult {
  /** The visible text of the whole hover widget (all providers' parts). */
  text: string;
  /** Link texts in the hover, in order. */
  links: string[];
  /** The hover widget, to click its links. */
  locator: Locator;
}

export interface HoverOptions {
  /** Which occurrence of `target` in the file (1-based, counted over the whole file); 1 by default. */
  occurrence?: number;
  /**
   * Character of `target` that the mouse is put on (0-based); by default the middle of the last
   * identifier in it, so `nn.BatchNorm2d` puts the mouse on `BatchNorm2d`.
   */
  at?: number;
  /** Milliseconds to wait for the hover; DEFAULT_TIMEOUT by default (the first one waits for activation). */
  timeoutMs?: number;
  /**
   * While no hover shows, the mouse leaves and comes back every this many milliseconds (2,500 by default): above the
   * 900 ms after which VS Code shows "Loading…" for a provider still working (three times its 300 ms hover delay), so
   * that a hover on its way is never cut short. A scene that measures how soon the first hover can show asks for less:
   * a provider that needs longer than what is left after the hover delay is then asked again at the next pass.
   */
  repointMs?: number;
}

/**
 * How long a helper waits for a UI state. A limit, not a wait: a passing scene never spends it, so it is sized for a
 * busy 2-core machine (two windows at once and another CPU-heavy process), where one step can take seconds.
 */
export const DEFAULT_TIMEOUT = 30_000;

/**
 * How often `page.waitForFunction` looks again at a state that lasts once reached (a hover loaded, a light bulb
 * drawn, the focus in a webview, the window's title): every 100 ms rather than on every animation frame, which keeps
 * the renderer busy while it waits (about 1 CPU-s more per 10 s of waiting, measured on the 2-core machine). A wait
 * for a state that may last a single frame (a quick input closing as another opens) keeps the default.
 */
export const POLL_MS = 100;

/** Splits `text` in lines, as the editor counts them. */
function lines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * The section an element of a page (the notes panel's) is in: the last heading at or before it in the document, among
 * those `headings` selects; its text and id.
 */
export function headingBefore(target: Locator, headings = 'h1, h2, h3, h4, h5, h6'): Promise<{ text: string; id: string } | undefined> {
  return target.evaluate((el, selector) => {
    const before = Array.from(document.querySelectorAll(selector)).filter((h) => h === el || (h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0);
    const h = before[before.length - 1];
    return h ? { text: h.textContent?.trim() ?? '', id: h.id } : undefined;
  }, headings);
}

/** 1-based line and column of the n-th occurrence of `target` in `text` (whole identifiers only). */
export function locate(text: string, target: string, occurrence = 1): { line: number; column: number } {
  const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'g');
  let n = 0;
  for (const m of text.matchAll(re)) {
    if (++n === occurrence) {
      const before = lines(text.slice(0, m.index));
      return { line: before.length, column: before[before.length - 1]!.length + 1 };
    }
  }
  throw new Error(`"${target}" occurs ${n} time(s) in the file, not ${occurrence}`);
}

/** Offset inside `target` of the middle of its last identifier. */
function defaultHoverOffset(target: string): number {
  const ids = [...target.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)];
  const last = ids[ids.length - 1];
  if (!last) return Math.floor(target.length / 2);
  return last.index + Math.floor(last[0].length / 2);
}

/** The drawn lines of a Monaco editor, top to bottom, joined with newlines (non-breaking spaces as spaces). */
async function editorText(editor: Locator): Promise<string> {
  return editor.evaluate((root) =>
    Array.from(root.querySelectorAll<HTMLElement>('.view-lines .view-line'))
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '))
      .join('\n'),
  );
}

/**
 * Viewport point of a character of `target` (its n-th whole-identifier occurrence among the editor's
 * drawn lines; character `at` of it).
 */
async function textPoint(editor: Locator, target: string, occurrence: number, at: number): Promise<{ x: number; y: number }> {
  return editor.evaluate(
    (root, { target, occurrence, at }) => {
      const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const re = new RegExp(`(?<![A-Za-z0-9_])${escaped}(?![A-Za-z0-9_])`, 'g');
      const lines = Array.from(root.querySelectorAll<HTMLElement>('.view-lines .view-line')).sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
      let n = 0;
      for (const line of lines) {
        const text = (line.textContent ?? '').replace(/\u00a0/g, ' ');
        for (const m of text.matchAll(re)) {
          if (++n !== occurrence) continue;
          let remaining = m.index + at;
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
            if (remaining < node.data.length) {
              const range = document.createRange();
              range.setStart(node, remaining);
              range.setEnd(node, remaining + 1);
              const r = range.getBoundingClientRect();
              return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
            }
            remaining -= node.data.length;
          }
        }
      }
      throw new Error(`"${target}" occurs ${n} time(s) in the drawn lines, not ${occurrence}`);
    },
    { target, occurrence, at },
  );
}

export class Workbench {
  readonly dialogs: RecordedDialog[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Console messages of the page and its frames (the browser's own ones too: CSP violations, failed loads). */
  readonly consoleMessages: RecordedConsoleMessage[] = [];
  /** Name used for screenshots when none is given (the running scene sets it). */
  sceneName = 'scene';
  private readonly screenshotsTaken = new Set<string>();

  constructor(
    readonly page: Page,
    /** The workspace folder on disk (a temporary copy: scenes may edit it). */
    readonly workspaceDir: string,
    /** `http://127.0.0.1:<port>`: requests there are local. */
    readonly origin: string,
  ) {
    page.on('dialog', (dialog) => {
      this.dialogs.push({ type: dialog.type(), message: dialog.message(), frameUrl: page.url() });
      dialog.dismiss().catch(() => undefined);
    });
    const record = (request: import('playwright-core').Request): void => {
      let frameUrl = '';
      let fromServiceWorker = false;
      try {
        frameUrl = request.frame().url();
      } catch {
        fromServiceWorker = request.serviceWorker() !== null;
      }
      this.requests.push({
        url: request.url(),
        method: request.method(),
        resourceType: request.resourceType(),
        frameUrl,
        fromWebview: /\/webview\/|vscode-webview:/.test(frameUrl),
        fromServiceWorker,
      });
    };
    page.context().on('request', record);
    page.on('console', (msg) => {
      let url = '';
      try {
        url = msg.location().url ?? '';
      } catch {
        // no location
      }
      this.consoleMessages.push({ type: msg.type(), text: msg.text(), url });
    });
  }

  // ---- the window ----------------------------------------------------------------------------

  /** Waits until the workbench is drawn and the Explorer shows the workspace. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
    await this.page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
    // The Explorer lists the workspace's files once the remote file system answered.
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Presses a key or chord in the workbench, e.g. `Escape`, `Control+S`. */
  async press(keys: string): Promise<void> {
    await this.page.keyboard.press(keys);
  }

  /** Closes pop-ups (hover, quick input, notifications' focus) with Escape until none is shown. */
  async dismissPopups(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const open = (await this.visibleHover().count()) + (await this.quickInput().count());
      if (open === 0) return;
      await this.page.keyboard.press('Escape');
    }
  }

  // ---- quick input (palette, Quick Open, the extension's own quick picks) ---------------------

  /** The quick input widget while it is shown. */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget').filter({ visible: true });
  }

  /** Rows of the shown quick input list. */
  quickInputRows(): Locator {
    return this.quickInput().locator('.quick-input-list .monaco-list-row');
  }

  /** Labels of the rows of the shown quick input list (waits for at least one row). */
  async quickInputItems(timeoutMs = DEFAULT_TIMEOUT): Promise<string[]> {
    await this.quickInputRows().first().waitFor({ state: 'visible', timeout: timeoutMs });
    return this.quickInputRows().evaluateAll((rows) => rows.map((r) => (r.querySelector('.label-name') ?? r).textContent?.trim() ?? ''));
  }

  /** Replaces the text in the shown quick input. */
  async quickInputType(text: string): Promise<void> {
    const input = this.quickInput().locator('input').first();
    await input.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
    await input.fill(text);
  }

  /**
   * Waits until the row whose text contains `label` (or that holds the element `label`) is in the list, selects it with the keyboard
   * (arrow keys to it, Enter) and waits for the quick input to go or change.
   */
  async quickInputSelect(label: string | RegExp | Locator, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    const rows = this.quickInputRows();
    const row = (typeof label === 'string' || label instanceof RegExp ? rows.filter({ hasText: label }) : rows.filter({ has: label })).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    while (!(await row.evaluate((el) => el.classList.contains('focused')))) {
      if (Date.now() > deadline) throw new Error(`could not focus the quick input row ${String(label)}`);
      await this.page.keyboard.press('ArrowDown');
    }
    const before = await this.quickInput().locator('input').first().inputValue().catch(() => '');
    await this.page.keyboard.press('Enter');
    await this.page.waitForFunction(
      (prev) => {
        const widget = Array.from(document.querySelectorAll<HTMLElement>('.quick-input-widget')).find((w) => w.offsetParent !== null && getComputedStyle(w).display !== 'none');
        if (!widget) return true;
        const input = widget.querySelector('input');
        return !input || input.value !== prev;
      },
      before,
      { timeout: timeoutMs },
    );
  }

  /**
   * Opens the palette (F1), types `>title` and waits for the row with exactly that title; returns it,
   * or undefined after `timeoutMs`. The palette computes its list when the text changes, and commands
   * of an extension host that is still starting appear later: the text is typed again until then.
   */
  private async paletteRow(title: string, timeoutMs: number): Promise<Locator | undefined> {
    await this.dismissPopups();
    const input = this.quickInput().locator('input').first();
    const row = this.quickInputRows().filter({ has: this.page.locator('.label-name').getByText(title, { exact: true }) }).first();
    const deadline = Date.now() + timeoutMs;
    for (let wait = 500; ; wait = Math.min(wait * 2, 4000)) {
      // VS Code gives the focus back to a webview a moment after a quick input closes, and a palette opened before
      // that moment closes as the focus lands: a user sees it go and presses F1 again.
      if (!(await input.isVisible())) {
        await this.page.keyboard.press('F1');
        await input.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
      }
      const left = deadline - Date.now();
      const typed = await input
        .fill('>', { timeout: wait })
        .then(() => input.fill(`>${title}`, { timeout: wait }))
        .then(() => true, () => false);
      const found = typed && (await row.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(wait, left)) }).then(() => true, () => false));
      if (found) return row;
      if (Date.now() >= deadline) return undefined;
    }
  }

  /**
   * Runs a command the way a user does: F1, type its palette title (e.g. `ML Notes: Open Notes Panel`),
   * Enter on the row with exactly that title.
   */
  async runCommand(title: string, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    const row = await this.paletteRow(title, timeoutMs);
    if (!row) throw new Error(`the command palette has no command "${title}" after ${timeoutMs} ms`);
    await this.quickInputSelect(this.page.locator('.label-name').getByText(title, { exact: true }), timeoutMs);
  }

  /**
   * Whether the palette lists a command with exactly this title, waiting up to `timeoutMs` for it.
   * The palette is closed after.
   */
  async commandExists(title: string, timeoutMs = DEFAULT_TIMEOUT): Promise<boolean> {
    const found = (await this.paletteRow(title, timeoutMs)) !== undefined;
    await this.page.keyboard.press('Escape');
    await this.quickInput().waitFor({ state: 'hidden', timeout: DEFAULT_TIMEOUT });
    return found;
  }

  // ---- editors -------------------------------------------------------------------------------

  /** The text editor of the active editor group. */
  activeEditor(): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor[data-uri]').filter({ visible: true }).first();
  }

  /**
   * Opens a workspace file through Quick Open (Ctrl+P, type the path, Enter) and waits until its
   * editor is active and shows its first line.
   */
  async openFile(relativePath: string, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await this.dismissPopups();
    const name = relativePath.split('/').pop()!;
    await this.page.keyboard.press('Control+P');
    await this.quickInput().waitFor({ state: 'visible', timeout: timeoutMs });
    await this.quickInputType(relativePath);
    // Rows show the file name as label and its folder as description.
    const dir = relativePath.includes('/') ? relativePath.slice(0, relativePath.lastIndexOf('/')) : '';
    let row = this.quickInputRows().filter({ has: this.page.locator('.label-name').getByText(name, { exact: true }) });
    // A file of the same name in a subfolder (opened before, so listed first) is not the one at the top.
    if (dir) row = row.filter({ has: this.page.locator('.label-description', { hasText: dir }) });
    else row = row.filter({ hasNot: this.page.locator('.label-description', { hasText: /\S/ }) });
    await row.first().waitFor({ state: 'visible', timeout: timeoutMs });
    while (!(await row.first().evaluate((el) => el.classList.contains('focused')))) {
      await this.page.keyboard.press('ArrowDown');
    }
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden', timeout: timeoutMs });
    // The file's whole path, as the editor's URI ends with it (not just its name: another folder may hold one).
    const uriPath = this.workspaceDir.split('/').concat(relativePath.split('/')).map(encodeURIComponent).join('/');
    await this.page
      .locator('.editor-group-container.active .monaco-editor[data-uri]')
      .filter({ visible: true })
      .and(this.page.locator(`[data-uri$="${uriPath}"]`))
      .waitFor({ state: 'visible', timeout: timeoutMs });
    await this.activeEditor().locator('.view-line').first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Gives the keyboard to the active text editor (its cursor stays where it was). */
  async focusEditor(timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await this.activeEditor().locator('.native-edit-context, textarea.inputarea').first().focus({ timeout: timeoutMs });
  }

  /** Types `text` at a 1-based line and column of the active editor (`column: 'end'` for the line's end). */
  async typeAt(line: number, column: number | 'end', text: string): Promise<void> {
    await this.goTo(line, 1);
    if (column === 'end') await this.page.keyboard.press('End');
    else if (column > 1) await this.goTo(line, column);
    await this.page.keyboard.type(text);
  }

  /** Saves the active editor (Ctrl+S) and waits until its tab no longer shows unsaved changes. */
  async save(timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+S');
    await this.page.locator('.editor-group-container.active .tab.active.dirty').waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /** The file's text as it is on disk in the workspace copy. */
  readWorkspaceFile(relativePath: string): string {
    return readFileSync(join(this.workspaceDir, relativePath), 'utf8');
  }

  /** Writes a file of the workspace copy on disk, as another program (git, a sync tool) would. */
  writeWorkspaceFile(relativePath: string, text: string): void {
    writeFileSync(join(this.workspaceDir, relativePath), text);
  }

  /** 1-based line and column of the n-th `target` (whole identifiers) in a workspace file as it is on disk. */
  positionOf(relativePath: string, target: string, occurrence = 1): { line: number; column: number } {
    return locate(this.readWorkspaceFile(relativePath), target, occurrence);
  }

  /** Ctrl+Z in the active editor, as a user does; waits until its drawn text satisfies `until` and returns it. */
  async undo(until: (text: string) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT): Promise<string> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+Z');
    return this.waitForEditorText(this.activeEditor(), until, what, timeoutMs);
  }

  /** Puts the cursor at a 1-based line and column with Go to Line (Ctrl+G `line:column`, Enter). */
  async goTo(line: number, column = 1, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await this.dismissPopups();
    await this.focusEditor();
    await this.page.keyboard.press('Control+G');
    await this.quickInput().waitFor({ state: 'visible', timeout: timeoutMs });
    await this.quickInputType(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden', timeout: timeoutMs });
    // The status bar shows the cursor position once the editor moved there.
    await this.page
      .locator('.statusbar-item', { hasText: new RegExp(`Ln ${line}, Col ${column}\\b`) })
      .first()
      .waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /**
   * Viewport coordinates of the middle of the character at the cursor, found in the editor's own
   * rendering of the cursor's line.
   */
  private async cursorCharacterPoint(column: number): Promise<{ x: number; y: number }> {
    const editor = this.activeEditor();
    const point = await editor.evaluate((root, col) => {
      const cursor = root.querySelector<HTMLElement>('.cursors-layer .cursor');
      if (!cursor) throw new Error('no cursor in the editor');
      const cursorBox = cursor.getBoundingClientRect();
      const midY = cursorBox.top + cursorBox.height / 2;
      const line = Array.from(root.querySelectorAll<HTMLElement>('.view-lines .view-line')).find((l) => {
        const b = l.getBoundingClientRect();
        return b.top <= midY && midY < b.bottom;
      });
      if (!line) throw new Error('the cursor line is not rendered');
      // Walk the line's text to the character at `col` (1-based).
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      let remaining = col - 1;
      for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
        const length = node.data.length;
        if (remaining < length) {
          const range = document.createRange();
          range.setStart(node, remaining);
          range.setEnd(node, remaining + 1);
          const r = range.getBoundingClientRect();
          return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
        }
        remaining -= length;
      }
      throw new Error(`column ${col} is past the end of the rendered line`);
    }, column);
    return point;
  }

  /** The hover widget while it is shown. */
  visibleHover(): Locator {
    return this.page.locator('.monaco-hover').filter({ visible: true });
  }

  /** Moves the mouse off the editor and closes any hover. */
  async clearHover(timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await this.page.mouse.move(1, 1);
    if ((await this.visibleHover().count()) > 0) await this.page.keyboard.press('Escape');
    await this.visibleHover().first().waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  /**
   * Puts the mouse on `target` (an identifier or dotted name) in the active editor, as a user does,
   * and returns the hover that appears. `target` is found in the file's text on disk; the editor
   * scrolls to it first.
   */
  async hover(target: string, options: HoverOptions = {}): Promise<HoverResult> {
    const point = await this.pointAt(target, options);
    await this.untilHoverShows(point, options.timeoutMs, options.repointMs);
    return this.waitForHover(options.timeoutMs);
  }

  /**
   * Hovers `target` where the active editor draws it (occurrence counted over the drawn lines), without moving the
   * cursor or going to its line first: as a user points at a word on screen. For a word in view only; a first hover
   * timed from a file's opening counts no Go to Line this way.
   */
  async hoverDrawn(target: string, options: HoverOptions = {}): Promise<HoverResult> {
    await this.clearHover();
    return this.hoverWhereDrawn(this.activeEditor(), target, options);
  }

  /** Puts the mouse on `target` where `editor` draws it (occurrence over its drawn lines); returns the hover that shows. */
  private async hoverWhereDrawn(editor: Locator, target: string, options: HoverOptions): Promise<HoverResult> {
    const { x, y } = await textPoint(editor, target, options.occurrence ?? 1, options.at ?? defaultHoverOffset(target));
    await this.page.mouse.move(x - 1, y);
    await this.page.mouse.move(x, y);
    await this.untilHoverShows({ x, y }, options.timeoutMs, options.repointMs);
    return this.waitForHover(options.timeoutMs);
  }

  /**
   * Waits until a hover shows for the mouse at `point`. VS Code asks the hover providers once per mouse rest: a
   * mouse that came to rest before the extension registered its provider (it activates when the file opens) gets
   * no hover at all, however long it stays. So, as a user does when nothing shows, the mouse leaves and comes back,
   * every couple of seconds (`repointMs`), until a hover shows (or `timeoutMs`).
   */
  private async untilHoverShows(point: { x: number; y: number }, timeoutMs = DEFAULT_TIMEOUT, repointMs = 2500): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const hover = this.visibleHover().first();
    for (;;) {
      const left = deadline - Date.now();
      const shown = await hover.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(repointMs, left)) }).then(() => true, () => false);
      if (shown) return;
      if (Date.now() >= deadline) throw new Error(`no hover showed within ${timeoutMs} ms`);
      await this.page.mouse.move(1, 1);
      await this.page.mouse.move(point.x - 1, point.y);
      await this.page.mouse.move(point.x, point.y);
    }
  }

  /** Waits for the hover widget to show and for every provider to finish; returns it. */
  async waitForHover(timeoutMs = DEFAULT_TIMEOUT): Promise<HoverResult> {
    const hover = this.visibleHover().first();
    await hover.waitFor({ state: 'visible', timeout: timeoutMs });
    // Providers answer one by one: wait until nothing is still loading.
    await this.page.waitForFunction(
      () => {
        const shown = Array.from(document.querySelectorAll<HTMLElement>('.monaco-hover')).filter((h) => h.offsetParent !== null);
        // Shown, loaded, and faded in (so that a screenshot shows it as the user reads it).
        const opaque = (h: HTMLElement): boolean => {
          for (let e: HTMLElement | null = h; e && e !== document.body; e = e.parentElement) if (Number(getComputedStyle(e).opacity) < 1) return false;
          return true;
        };
        return shown.length > 0 && shown.every((h) => !/Loading\.\.\.|Loading…/.test(h.innerText) && h.innerText.trim().length > 0 && opaque(h));
      },
      undefined,
      { timeout: timeoutMs, polling: POLL_MS },
    );
    return this.readHover();
  }

  /** Text and links of the hover shown now. */
  async readHover(): Promise<HoverResult> {
    const locator = this.visibleHover().first();
    const text = (await locator.innerText()).trim();
    const links = (await locator.locator('a').allInnerTexts()).map((s) => s.trim()).filter(Boolean);
    return { text, links, locator };
  }

  /**
   * Puts the mouse on `target` and checks that, within `withinMs`, no hover containing `text` shows.
   * Absence cannot be awaited as a UI state, so this one check is bounded by time: call it after a
   * positive hover in the same window, so that the extension is known to answer well within it.
   */
  async expectNoHoverContaining(target: string, text: string | RegExp, options: HoverOptions & { withinMs?: number } = {}): Promise<string | undefined> {
    await this.pointAt(target, options);
    const matching = this.visibleHover().filter({ hasText: text });
    const appeared = await matching
      .first()
      .waitFor({ state: 'visible', timeout: options.withinMs ?? 2500 })
      .then(() => true, () => false);
    return appeared ? (await matching.first().innerText()).trim() : undefined;
  }

  private async pointAt(target: string, options: HoverOptions): Promise<{ x: number; y: number }> {
    const uri = await this.activeEditor().getAttribute('data-uri');
    if (!uri) throw new Error('no active text editor');
    const relativePath = decodeURIComponent(new URL(uri).pathname).slice(this.workspaceDir.length + 1);
    const { line, column } = this.positionOf(relativePath, target, options.occurrence);
    const offset = options.at ?? defaultHoverOffset(target);
    await this.clearHover();
    await this.goTo(line, column + offset);
    const { x, y } = await this.cursorCharacterPoint(column + offset);
    // Two moves: hovers start on mouse movement inside the word.
    await this.page.mouse.move(x - 1, y);
    await this.page.mouse.move(x, y);
    return { x, y };
  }

  // ---- what an editor shows: lines, squiggles, code actions, problems ---------------------------

  /**
   * The text of a 1-based line of the active editor as the editor draws it (the cursor goes there:
   * only drawn lines can be read).
   */
  async lineText(line: number): Promise<string> {
    await this.goTo(line, 1);
    return this.activeEditor().evaluate((root) => {
      const cursor = root.querySelector<HTMLElement>('.cursors-layer .cursor');
      if (!cursor) throw new Error('no cursor in the editor');
      const box = cursor.getBoundingClientRect();
      const midY = box.top + box.height / 2;
      const viewLine = Array.from(root.querySelectorAll<HTMLElement>('.view-lines .view-line')).find((l) => {
        const b = l.getBoundingClientRect();
        return b.top <= midY && midY < b.bottom;
      });
      if (!viewLine) throw new Error('the cursor line is not drawn');
      return (viewLine.textContent ?? '').replace(/\u00a0/g, ' ');
    });
  }

  /** Waits until the editor's (or cell editor's) whole drawn text satisfies `predicate`; returns it. */
  async waitForEditorText(editor: Locator, predicate: (text: string) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = '';
    for (;;) {
      text = await editorText(editor);
      if (predicate(text)) return text;
      if (Date.now() > deadline) throw new Error(`the editor never showed ${what}; it shows:\n${text}`);
      await this.page.waitForTimeout(100);
    }
  }

  /**
   * Squiggles of diagnostics drawn in an editor (the active one by default): `warning`, `error`, `info`
   * or `hint` (VS Code draws hints as dots, class `squiggly-hint`).
   */
  squiggles(kind: 'warning' | 'error' | 'info' | 'hint' | 'any' = 'any', editor: Locator = this.activeEditor()): Locator {
    const kinds = kind === 'any' ? ['warning', 'error', 'info', 'hint'] : [kind];
    return editor.locator(kinds.map((k) => `.squiggly-${k}`).join(', '));
  }

  /** Waits until the active editor draws exactly `count` squiggles of that kind (the analysis is asynchronous). */
  async expectSquiggles(kind: 'warning' | 'error' | 'info' | 'hint', count: number, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    const squiggles = this.squiggles(kind);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await squiggles.count();
      if (n === count) return;
      if (Date.now() > deadline) throw new Error(`expected ${count} ${kind} squiggle(s) in the editor, found ${n}`);
      await this.page.waitForTimeout(100);
    }
  }

  /** Opens the Problems panel (Ctrl+Shift+M) if it is not shown. */
  async showProblems(timeoutMs = DEFAULT_TIMEOUT): Promise<Locator> {
    const panel = this.page.locator('.markers-panel').filter({ visible: true }).first();
    if ((await panel.count()) === 0) {
      await this.dismissPopups();
      await this.page.keyboard.press('Control+Shift+M');
    }
    await panel.waitFor({ state: 'visible', timeout: timeoutMs });
    return panel;
  }

  /**
   * Rows of the Problems panel that are problems (not file rows): message, source, code and position.
   * The panel lists markers a moment after the editor draws them: `until` waits for the rows to satisfy
   * it (e.g. `(rows) => rows.length === 4`), and the rows are returned as they are then (or at the timeout).
   */
  async problems(
    until: (rows: { message: string; source: string; code: string; position: string }[]) => boolean = () => true,
    timeoutMs = DEFAULT_TIMEOUT,
  ): Promise<{ message: string; source: string; code: string; position: string }[]> {
    const panel = await this.showProblems(timeoutMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await panel.locator('.monaco-list-row').evaluateAll((list) =>
        list
          .filter((r) => r.querySelector('.marker-message'))
          .map((r) => ({
            message: r.querySelector('.marker-message')?.textContent?.trim() ?? '',
            source: r.querySelector('.marker-source')?.textContent?.trim() ?? '',
            code: r.querySelector('.marker-code')?.textContent?.trim() ?? '',
            position: r.querySelector('.marker-line')?.textContent?.trim() ?? '',
          })),
      );
      if (until(rows) || Date.now() > deadline) return rows;
      await this.page.waitForTimeout(100);
    }
  }

  /** The code action menu (light bulb / Ctrl+.) while it is shown. */
  codeActionMenu(): Locator {
    return this.page.locator('.action-widget').filter({ visible: true }).filter({ has: this.page.locator('.monaco-list-row.action') }).first();
  }

  /**
   * Ctrl+. where the cursor is, as a user does, once the editor shows its light bulb on the cursor's line; returns the
   * titles of the actions the menu lists. The light bulb means VS Code's own request for the actions there has come
   * back: VS Code sends that request a moment after the cursor moves, and when it comes after Ctrl+. at the same place
   * it replaces the request Ctrl+. made, whose menu then never shows. Under load a notebook cell showed both a light
   * bulb followed by a Ctrl+. that opened no menu in 30 s, and no light bulb for 30 s: so each round (againUntilShown)
   * waits for the light bulb as long as for the menu, then presses Ctrl+. with or without it, as a user would.
   * `lightBulb: false` where the editor shows none (Markdown).
   */
  async openCodeActions({ lightBulb = true, timeoutMs = DEFAULT_TIMEOUT }: { lightBulb?: boolean; timeoutMs?: number } = {}): Promise<string[]> {
    const menu = this.codeActionMenu();
    const noBulb: number[] = [];
    const shown = await this.againUntilShown(async (round, wait) => {
      if (lightBulb && !(await this.lightBulbOnCursorLine(wait))) noBulb.push(round);
      await this.page.keyboard.press('Control+.');
    }, menu, timeoutMs);
    if (!shown) throw new Error(`Ctrl+. three times showed no code action menu${noBulb.length ? ` (no light bulb on the cursor's line before press ${noBulb.join(', ')})` : ''}`);
    return menu.locator('.monaco-list-row.action .title').allInnerTexts();
  }

  /** Whether the focused editor shows its light bulb on the cursor's line within the time (VS Code's request answered). */
  private lightBulbOnCursorLine(timeoutMs: number): Promise<boolean> {
    return this.page.waitForFunction(
      () => {
        const cursor = document.querySelector('.monaco-editor.focused .cursors-layer .cursor');
        if (!cursor) return false;
        const line = cursor.getBoundingClientRect();
        return Array.from(document.querySelectorAll<HTMLElement>('.lightBulbWidget, [class*="gutter-lightbulb"]')).some((el) => {
          const box = el.getBoundingClientRect();
          const middle = box.top + box.height / 2;
          return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden' && middle >= line.top - 2 && middle <= line.bottom + 2;
        });
      },
      undefined,
      { timeout: timeoutMs, polling: POLL_MS },
    ).then(() => true, () => false);
  }

  /** Picks the action whose title matches in the shown code action menu (arrow keys to it, Enter). */
  async applyCodeAction(title: string | RegExp, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    const menu = this.codeActionMenu();
    const row = menu.locator('.monaco-list-row.action').filter({ has: this.page.locator('.title', { hasText: title }) }).first();
    await row.waitFor({ state: 'visible', timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    while (!(await row.evaluate((el) => el.classList.contains('focused')))) {
      if (Date.now() > deadline) throw new Error(`could not focus the code action ${String(title)}`);
      await this.page.keyboard.press('ArrowDown');
    }
    await this.page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  // ---- notebooks -----------------------------------------------------------------------------

  /**
   * The notebook editor shown (VS Code draws it in an overlay laid over its editor group, outside the
   * group's element).
   */
  activeNotebook(): Locator {
    return this.page.locator('.notebookOverlay.notebook-editor').filter({ visible: true }).first();
  }

  /** Opens a workspace .ipynb through Quick Open and waits until its cells are drawn. */
  async openNotebook(relativePath: string, timeoutMs = DEFAULT_TIMEOUT): Promise<Locator> {
    await this.dismissPopups();
    const name = relativePath.split('/').pop()!;
    await this.page.keyboard.press('Control+P');
    await this.quickInput().waitFor({ state: 'visible', timeout: timeoutMs });
    await this.quickInputType(relativePath);
    await this.quickInputSelect(this.page.locator('.label-name').getByText(name, { exact: true }), timeoutMs);
    await this.page.locator(`.editor-group-container.active .tab.active[data-resource-name="${name}"]`).waitFor({ state: 'visible', timeout: timeoutMs });
    const notebook = this.activeNotebook();
    // The first notebook of a window starts VS Code's notebook support (the .ipynb serializer's extension): on a busy
    // 2-core machine its cells took over 30 s to show, so they get twice the time of a UI state.
    await notebook.locator('.code-cell-row .view-line').first().waitFor({ state: 'visible', timeout: 2 * timeoutMs });
    return notebook;
  }

  /** A cell of the active notebook by its 0-based index among all cells (Markdown cells count). */
  notebookCell(index: number): Locator {
    return this.activeNotebook().locator(`.monaco-list-row[data-index="${index}"]`).first();
  }

  /** The text editor of a code cell. */
  cellEditor(index: number): Locator {
    return this.notebookCell(index).locator('.cell-editor-container .monaco-editor').first();
  }

  /** Puts the mouse on `target` (whole identifier) in a code cell and returns the hover that shows. */
  async hoverInCell(index: number, target: string, options: HoverOptions = {}): Promise<HoverResult> {
    await this.clearHover();
    const editor = this.cellEditor(index);
    await editor.scrollIntoViewIfNeeded();
    return this.hoverWhereDrawn(editor, target, options);
  }

  /** Clicks on `target` in a code cell: the cell's editor gets the focus and the cursor goes there. */
  async clickInCell(index: number, target: string, options: { occurrence?: number; at?: number } = {}): Promise<void> {
    await this.dismissPopups();
    const editor = this.cellEditor(index);
    await editor.scrollIntoViewIfNeeded();
    const { x, y } = await textPoint(editor, target, options.occurrence ?? 1, options.at ?? defaultHoverOffset(target));
    await this.page.mouse.click(x, y);
    await editor.locator('.native-edit-context, textarea.inputarea').first().evaluate((el) => el === document.activeElement || el.contains(document.activeElement))
      .then((focused) => {
        if (!focused) throw new Error(`cell ${index}'s editor did not take the focus`);
      });
  }

  /** The text a code cell shows (its drawn lines, in order). */
  cellText(index: number): Promise<string> {
    return editorText(this.cellEditor(index));
  }

  // ---- webviews ------------------------------------------------------------------------------

  /** The content frame of the shown webview (VS Code nests it: `iframe.webview` → `#active-frame`). */
  webview(): FrameLocator {
    return this.page.locator('iframe.webview.ready').filter({ visible: true }).first().contentFrame().locator('#active-frame').contentFrame();
  }

  /**
   * Waits until a webview holds the keyboard focus. VS Code focuses a panel it opened once the panel's frame has
   * loaded: a quick input opened before then closes as the focus lands in the panel.
   */
  async waitForWebviewFocus(timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await this.page.waitForFunction(
      () => {
        const a = document.activeElement;
        return a instanceof HTMLIFrameElement && a.classList.contains('webview');
      },
      undefined,
      { timeout: timeoutMs, polling: POLL_MS },
    );
  }

  /** Waits for a shown webview whose content holds `text`, and returns its content frame. */
  async waitForWebview(text: string | RegExp, timeoutMs = DEFAULT_TIMEOUT): Promise<FrameLocator> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const outers = this.page.locator('iframe.webview.ready').filter({ visible: true });
      const n = await outers.count();
      for (let i = 0; i < n; i++) {
        const inner = outers.nth(i).contentFrame().locator('#active-frame').contentFrame();
        const found = await inner
          .locator('body')
          .getByText(text)
          .filter({ visible: true })
          .first()
          .waitFor({ state: 'visible', timeout: 500 })
          .then(() => true, () => false);
        if (found) return inner;
      }
      if (Date.now() > deadline) throw new Error(`no shown webview contains ${String(text)} after ${timeoutMs} ms`);
      if (n === 0) await outers.first().waitFor({ state: 'visible', timeout: Math.max(1, deadline - Date.now()) }).catch(() => undefined);
    }
  }

  /**
   * Waits until a user can see the element (e.g. a heading inside a webview): scrolled into its
   * frame's viewport and not covered by anything (a sticky toolbar, say) at its first characters.
   */
  async waitInViewport(locator: Locator, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    await locator.waitFor({ state: 'visible', timeout: timeoutMs });
    // The locator is resolved again on every look: a panel that re-renders its note (a figure found late, a note
    // saved) replaces its elements, and a reference kept from before would read as a detached, zero-sized box.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await locator
        .evaluate((el) => {
          const r = el.getBoundingClientRect();
          const x = r.left + Math.min(12, r.width / 2);
          const y = r.top + r.height / 2;
          const inView = r.height > 0 && y >= 0 && y < window.innerHeight && x >= 0 && x < window.innerWidth;
          const hit = inView ? document.elementFromPoint(x, y) : null;
          if (hit && (hit === el || el.contains(hit))) return '';
          const what = !inView ? `scrolled out of view (top ${Math.round(r.top)} px of ${window.innerHeight} px)` : `covered by <${hit?.tagName.toLowerCase()} class="${hit?.className}">`;
          return `"${el.textContent?.trim().slice(0, 60)}" is not seen: ${what}`;
        }, undefined, { timeout: Math.max(1, deadline - Date.now()) })
        .catch((e: Error) => `${e.message.split('\n')[0]}`);
      if (seen === '') return;
      if (Date.now() > deadline) throw new Error(seen);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * How readable an element's text is: its computed text colour against the background actually behind
   * it (the ancestors' backgrounds composited, translucent colours blended), and their WCAG 2 contrast
   * ratio (1 to 21; body text needs 4.5). Works inside webview frames.
   */
  async textContrast(locator: Locator): Promise<{ color: string; background: string; ratio: number }> {
    return locator.evaluate((el) => {
      type RGBA = [number, number, number, number];
      const parse = (css: string): RGBA => {
        const nums = (css.match(/[\d.]+(?:e-?\d+)?%?/g) ?? []).map((n) => (n.endsWith('%') ? Number(n.slice(0, -1)) / 100 : Number(n)));
        if (css.startsWith('color(srgb')) return [nums[0]! * 255, nums[1]! * 255, nums[2]! * 255, nums[3] ?? 1];
        if (css.startsWith('rgb')) return [nums[0]!, nums[1]!, nums[2]!, nums[3] ?? 1];
        if (css === 'transparent') return [0, 0, 0, 0];
        throw new Error(`unknown colour ${css}`);
      };
      const over = (top: RGBA, below: RGBA): RGBA => {
        const a = top[3] + below[3] * (1 - top[3]);
        if (a === 0) return [0, 0, 0, 0];
        const mix = (i: number) => (top[i]! * top[3] + below[i]! * below[3] * (1 - top[3])) / a;
        return [mix(0), mix(1), mix(2), a];
      };
      // Backgrounds from the element up to the root, composited top-down; the canvas below is white.
      const layers: RGBA[] = [];
      for (let e: Element | null = el; e; e = e.parentElement) layers.push(parse(getComputedStyle(e).backgroundColor));
      let background: RGBA = [255, 255, 255, 1];
      for (const layer of layers.reverse()) background = over(layer, background);
      const color = over(parse(getComputedStyle(el).color), background);
      const luminance = (c: RGBA): number => {
        const f = (v: number) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
      };
      const [l1, l2] = [luminance(color), luminance(background)].sort((a, b) => b - a);
      const css = (c: RGBA) => `rgb(${c.slice(0, 3).map((v) => Math.round(v)).join(', ')})`;
      return { color: css(color), background: css(background), ratio: Math.round(((l1! + 0.05) / (l2! + 0.05)) * 100) / 100 };
    });
  }

  /** Visible text of a webview's content (the shown one, or the one holding `containing`). */
  async webviewText(containing?: string | RegExp): Promise<string> {
    const frame = containing === undefined ? this.webview() : await this.waitForWebview(containing);
    return frame.locator('body').innerText();
  }

  /** The editor tab with this title (e.g. the panel's "ML Notes"). */
  tab(title: string): Locator {
    return this.page.locator('.tabs-container .tab').filter({ has: this.page.locator('.label-name', { hasText: title }) });
  }

  /**
   * Whether `locator` shows within `withinMs`. For asserting that something does NOT happen (no
   * terminal opens, no dialog): absence cannot be awaited as a UI state, so this wait is bounded by
   * time. Pair it with a positive control that shows the same locator does appear when it should.
   */
  async appearsWithin(locator: Locator, withinMs = 2500): Promise<boolean> {
    return locator
      .first()
      .waitFor({ state: 'visible', timeout: withinMs })
      .then(() => true, () => false);
  }

  /**
   * Clicks the active editor's CodeLens link labelled `label` and waits for `opened` (what the click shows). VS Code
   * keeps drawing a document's lenses until their replacements are resolved, and a drawn lens whose command takes
   * arguments does nothing once a newer set replaced it (the browser console says "Actual command not found"). So, as
   * a user does when a click does nothing, the lens as drawn now is clicked again after a while (three clicks in all).
   */
  async clickCodeLens(label: string, opened: Locator, timeoutMs = DEFAULT_TIMEOUT): Promise<void> {
    const lens = this.activeEditor().locator('.codelens-decoration a', { hasText: label }).first();
    const shown = await this.againUntilShown(async () => {
      await lens.waitFor({ state: 'visible', timeout: timeoutMs });
      await lens.click();
    }, opened, timeoutMs);
    if (!shown) throw new Error(`clicking the "${label}" lens three times showed nothing`);
  }

  /**
   * Does `act` (a click, a key press) until `shown` appears, as a user tries again when nothing happens: three times,
   * waiting 10 s after each of the first two and the whole timeout after the last (`act` gets that wait). Whether it
   * appeared.
   */
  private async againUntilShown(act: (round: number, waitMs: number) => Promise<void>, shown: Locator, timeoutMs: number): Promise<boolean> {
    for (let round = 1; round <= 3; round++) {
      const wait = round < 3 ? Math.min(10_000, timeoutMs) : timeoutMs;
      await act(round, wait);
      if (await this.appearsWithin(shown, wait)) return true;
    }
    return false;
  }

  /** Terminals drawn in the panel area (each is an xterm.js screen). */
  terminals(): Locator {
    return this.page.locator('.terminal-outer-container .xterm').filter({ visible: true });
  }

  // ---- evidence ------------------------------------------------------------------------------

  /**
   * Saves a screenshot of the window to test/e2e/results/screenshots/<name>.png (the scene's name by default;
   * git-ignored). Under `npm run screenshots`, a `readme-*` one also replaces the README's image in
   * test/e2e/screenshots/.
   */
  async screenshot(name = this.sceneName): Promise<string> {
    mkdirSync(screenshotsDir, { recursive: true });
    const fileName = `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`;
    const file = join(screenshotsDir, fileName);
    await this.page.screenshot({ path: file });
    if (refreshReadmeScreenshots && fileName.startsWith('readme-')) copyFileSync(file, join(readmeScreenshotsDir, fileName));
    this.screenshotsTaken.add(name);
    return file;
  }

  hasScreenshot(name: string): boolean {
    return this.screenshotsTaken.has(name);
  }

  /**
   * Whether a request stays inside VS Code: to the code-server origin, an in-page scheme (data:, blob:,
   * about:), or a webview resource (`https://<authority>.vscode-resource.vscode-cdn.net/<path>`: the
   * webview's service worker answers it from code-server; nothing goes to that host).
   */
  isLocal(url: string): boolean {
    if (url.startsWith(this.origin + '/') || /^(data|blob|vscode-resource|vscode-webview-resource|about):/.test(url)) return true;
    try {
      const u = new URL(url);
      return u.protocol === 'https:' && u.hostname.endsWith('.vscode-resource.vscode-cdn.net');
    } catch {
      return false;
    }
  }

  /** Requests made to anything but the code-server origin, in-page schemes and webview resources (see isLocal). */
  nonLocalRequests(filter: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] {
    return this.requests.filter((r) => filter(r) && !this.isLocal(r.url));
  }
}
