// What a user does in the VS Code window, as playwright-core calls. Every wait is for a UI state
// (an element shown, hidden, or holding some text), never a fixed sleep.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { screenshotsDir } from './paths';

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
  /** Milliseconds to wait for the hover; 20 s by default (the first one waits for activation). */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT = 20_000;

/** Splits `text` in lines, as the editor counts them. */
function lines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
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

export class Workbench {
  readonly dialogs: RecordedDialog[] = [];
  readonly requests: RecordedRequest[] = [];
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
    await this.page.keyboard.press('F1');
    await this.quickInput().waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
    const row = this.quickInputRows().filter({ has: this.page.locator('.label-name').getByText(title, { exact: true }) }).first();
    const deadline = Date.now() + timeoutMs;
    for (let wait = 500; ; wait = Math.min(wait * 2, 4000)) {
      await this.quickInputType('>');
      await this.quickInputType(`>${title}`);
      const left = deadline - Date.now();
      const found = await row.waitFor({ state: 'visible', timeout: Math.max(1, Math.min(wait, left)) }).then(() => true, () => false);
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
  async commandExists(title: string, timeoutMs = 10_000): Promise<boolean> {
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
    if (dir) row = row.filter({ has: this.page.locator('.label-description', { hasText: dir }) });
    await row.first().waitFor({ state: 'visible', timeout: timeoutMs });
    while (!(await row.first().evaluate((el) => el.classList.contains('focused')))) {
      await this.page.keyboard.press('ArrowDown');
    }
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden', timeout: timeoutMs });
    const uriSuffix = '/' + relativePath.split('/').map(encodeURIComponent).join('/');
    await this.page
      .locator('.editor-group-container.active .monaco-editor[data-uri]')
      .filter({ visible: true })
      .and(this.page.locator(`[data-uri$="${uriSuffix}"]`))
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
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT;
    await this.pointAt(target, options);
    const hover = this.visibleHover().first();
    await hover.waitFor({ state: 'visible', timeout: timeoutMs });
    // Providers answer one by one: wait until nothing is still loading.
    await this.page.waitForFunction(
      () => {
        const shown = Array.from(document.querySelectorAll<HTMLElement>('.monaco-hover')).filter((h) => h.offsetParent !== null);
        return shown.length > 0 && shown.every((h) => !/Loading\.\.\.|Loading…/.test(h.innerText) && h.innerText.trim().length > 0);
      },
      undefined,
      { timeout: timeoutMs },
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

  private async pointAt(target: string, options: HoverOptions): Promise<void> {
    const uri = await this.activeEditor().getAttribute('data-uri');
    if (!uri) throw new Error('no active text editor');
    const relativePath = decodeURIComponent(new URL(uri).pathname).slice(this.workspaceDir.length + 1);
    const { line, column } = locate(this.readWorkspaceFile(relativePath), target, options.occurrence);
    const offset = options.at ?? defaultHoverOffset(target);
    await this.clearHover();
    await this.goTo(line, column + offset);
    const { x, y } = await this.cursorCharacterPoint(column + offset);
    // Two moves: hovers start on mouse movement inside the word.
    await this.page.mouse.move(x - 1, y);
    await this.page.mouse.move(x, y);
  }

  // ---- webviews ------------------------------------------------------------------------------

  /** The content frame of the shown webview (VS Code nests it: `iframe.webview` → `#active-frame`). */
  webview(): FrameLocator {
    return this.page.locator('iframe.webview.ready').filter({ visible: true }).first().contentFrame().locator('#active-frame').contentFrame();
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
    await locator.evaluate(
      (el, ms) =>
        new Promise<void>((resolve, reject) => {
          const start = performance.now();
          const check = (): void => {
            const r = el.getBoundingClientRect();
            const x = r.left + Math.min(12, r.width / 2);
            const y = r.top + r.height / 2;
            const inView = r.height > 0 && y >= 0 && y < window.innerHeight && x >= 0 && x < window.innerWidth;
            const hit = inView ? document.elementFromPoint(x, y) : null;
            if (hit && (hit === el || el.contains(hit))) return resolve();
            if (performance.now() - start > ms) {
              const what = !inView ? `scrolled out of view (top ${Math.round(r.top)} px of ${window.innerHeight} px)` : `covered by <${hit?.tagName.toLowerCase()} class="${hit?.className}">`;
              return reject(new Error(`"${el.textContent?.trim().slice(0, 60)}" is not seen: ${what}`));
            }
            setTimeout(check, 50);
          };
          check();
        }),
      timeoutMs,
    );
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

  // ---- evidence ------------------------------------------------------------------------------

  /** Saves a screenshot of the window to test/e2e/screenshots/<name>.png (the scene's name by default). */
  async screenshot(name = this.sceneName): Promise<string> {
    mkdirSync(screenshotsDir, { recursive: true });
    const file = join(screenshotsDir, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    this.screenshotsTaken.add(name);
    return file;
  }

  hasScreenshot(name: string): boolean {
    return this.screenshotsTaken.has(name);
  }

  /** Requests made to anything but the code-server origin and in-page schemes (data:, blob:). */
  nonLocalRequests(filter: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] {
    return this.requests.filter((r) => filter(r) && !r.url.startsWith(this.origin + '/') && !/^(data|blob|vscode-resource|vscode-webview-resource|about):/.test(r.url));
  }
}
