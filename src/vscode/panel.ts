import * as vscode from 'vscode';
import { Disposable, DisposableStore } from './dispose';
import type { NoteRef } from '../core/notes/types';
import type { NoteDocument } from '../core/notes/types';
import { isSafeLink } from '../core/render/sanitize';
import { parsePanelState, parseWebviewMessage, type HostMessage, type NoteFileEntry, type PanelStrings, type WebviewMessage } from '../webview/protocol';
import { resolveNoteLink, type NotesService } from './notesService';
import type { Log } from './log';
import { t } from './l10n';
import type { Renderer } from '../core/render/renderer';
import { breadcrumbTitle, findHeading } from '../core/notes/resolver';
import type { UsedInCode } from './usedInCode';
import type { NoteSearch } from './search';
import { FocusTimes } from './focusTimes';
import { safeDecode } from '../core/notes/paths';

export const PANEL_VIEW_TYPE = 'mlNotes.panel';

interface Location {
  docId: string;
  /** Section slug or point id (`slug/N`). */
  target?: string;
}

export interface PanelDeps {
  extensionUri: vscode.Uri;
  notes: NotesService;
  log: Log;
  /** The search box's lookup; its index starts building when the panel opens. */
  lookup: NoteSearch;
  /** markdown-it + KaTeX, loaded on first render. */
  loadRenderer(): Renderer;
  /** "Used in code" under the headings of the note shown. */
  usedInCode?: UsedInCode;
}

/**
 * The "ML Notes" reference panel: one webview that shows a whole note, rendered in the host (markdown-it + KaTeX +
 * sanitiser) behind a strict CSP, with history, reveal of a section, link handling and state that survives reloads.
 */
export class NotesPanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private current: Location | undefined;
  private readonly history: Location[] = [];
  private readonly future: Location[] = [];
  /** What belongs to the current webview panel: released when that panel closes. */
  private readonly panelDisposables = this.register(new DisposableStore());
  private ready = false;
  private queued: HostMessage[] = [];
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private filesTimer: ReturnType<typeof setTimeout> | undefined;
  /** The picker's list as last sent (JSON), so that a change that leaves it as it was sends nothing. */
  private filesSent = '';
  /** When the panel took the keyboard focus (a picker it closed by that shows itself again). */
  readonly focus = new FocusTimes();

  /** Notes the shown page depends on: the notes its links and embeds resolved to, and the notes linking to it. */
  private dependsOn = new Set<string>();

  constructor(private readonly deps: PanelDeps) {
    super();
    this.registerAll(
      deps.notes.library.onDidChange((fileId) => {
        if (!this.panel || !this.current) return;
        // The note itself, an embedded or linked note, a note that links here (or now does): render the page again.
        if (this.current.docId === fileId || this.dependsOn.has(fileId) || deps.notes.library.links.sourcesFor(this.current.docId).includes(fileId)) this.scheduleRefresh();
        // Another note added, removed or retitled: the note picker lists it as it is now.
        else this.scheduleFiles();
      }),
    );
  }

  /** Opens (or reveals) the panel at a note section; without a ref, at the current or the first note. */
  async show(ref?: NoteRef, options: { preserveFocus?: boolean } = {}): Promise<void> {
    await this.deps.notes.wantAll();
    const loc = this.locationOf(ref);
    this.ensurePanel(options.preserveFocus ?? false);
    if (!loc) {
      this.post({ type: 'empty', message: ref ? t('The note section “{0}” was not found.', ref.slug) : t('No notes are loaded. Add folders in the setting mlNotes.notesPaths.'), strings: panelStrings() });
      return;
    }
    this.navigate(loc, true);
  }

  /** Restores a panel after a window reload (webview serializer). */
  async restore(panel: vscode.WebviewPanel, rawState: unknown): Promise<void> {
    await this.deps.notes.wantAll();
    this.adopt(panel);
    const state = parsePanelState(rawState);
    const loc = state && this.deps.notes.library.get(state.docId) ? { docId: state.docId, target: state.target } : this.locationOf(undefined);
    if (loc) this.navigate(loc, false);
  }

  focusSearch(): void {
    this.ensurePanel(false);
    this.post({ type: 'focusSearch' });
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  private locationOf(ref: NoteRef | undefined): Location | undefined {
    const lib = this.deps.notes.library;
    if (ref) {
      const r = lib.resolveRef(ref);
      if (!r) return undefined;
      return { docId: r.doc.id, target: r.point ? r.point.id : r.section.slug };
    }
    if (this.current && lib.get(this.current.docId)) return this.current;
    const first = lib.documents()[0];
    return first ? { docId: first.id } : undefined;
  }

  private ensurePanel(preserveFocus: boolean): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'ML Notes', { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, this.webviewOptions());
    this.adopt(panel);
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableForms: false,
      enableCommandUris: false,
      retainContextWhenHidden: false,
      enableFindWidget: true,
      localResourceRoots: this.resourceRoots(),
    };
  }

  private resourceRoots(): vscode.Uri[] {
    const ext = this.deps.extensionUri;
    return [vscode.Uri.joinPath(ext, 'media'), vscode.Uri.joinPath(ext, 'dist'), ...this.deps.notes.resourceRoots()];
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.deps.lookup.start();
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'icon.svg');
    panel.webview.options = this.webviewOptions();
    panel.webview.html = this.shell(panel.webview);
    this.panelDisposables.add(
      panel.webview.onDidReceiveMessage((raw) => {
        const msg = parseWebviewMessage(raw);
        if (!msg) {
          this.deps.log.warn('Ignored a malformed message from the ML Notes panel.');
          return;
        }
        void this.onMessage(msg).catch((e) => this.deps.log.error(`Panel: ${String(e?.message ?? e)}`));
      }),
    );
    this.panelDisposables.add(
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.deps.usedInCode?.hide();
        this.panelDisposables.clear();
      }),
    );
  }

  private async onMessage(msg: WebviewMessage): Promise<void> {
    switch (msg.type) {
      case 'ready': {
        this.ready = true;
        const queued = this.queued.splice(0);
        for (const m of queued) void this.panel?.webview.postMessage(m);
        // A panel shown again after it was hidden starts from an empty page (its context is not retained): the note
        // it showed comes back, at the section the reader was in.
        if (!queued.some((m) => m.type === 'show' || m.type === 'empty') && this.current) this.sendShow(this.current, false);
        return;
      }
      case 'navigate':
        if (this.deps.notes.library.get(msg.docId)) this.navigate({ docId: msg.docId, target: msg.target }, true);
        return;
      case 'back': {
        const prev = this.history.pop();
        if (prev && this.current) this.future.push(this.current);
        if (prev) this.navigate(prev, false);
        return;
      }
      case 'forward': {
        const next = this.future.pop();
        if (next && this.current) this.history.push(this.current);
        if (next) this.navigate(next, false);
        return;
      }
      case 'scrolled':
        if (this.current) this.current = { ...this.current, target: msg.target };
        return;
      case 'search':
        this.post({ type: 'searchResults', query: msg.query, results: this.deps.lookup.search(msg.query, 30) });
        return;
      case 'openSource':
        return this.openSource(msg.line, msg.target);
      case 'openLink':
        return this.openLink(msg.href);
      case 'openCode':
        return this.deps.usedInCode?.open(msg.id);
      case 'focused':
        this.focus.mark();
        return;
    }
  }

  private navigate(loc: Location, pushHistory: boolean): void {
    const sameDoc = this.current?.docId === loc.docId && this.ready;
    if (pushHistory && this.current && (this.current.docId !== loc.docId || this.current.target !== loc.target)) {
      this.history.push(this.current);
      if (this.history.length > 100) this.history.shift();
      this.future.length = 0;
    }
    this.current = loc;
    // A reveal scrolls to the target (same note or another one).
    this.sendShow(loc, sameDoc && !loc.target);
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      if (!this.current) return;
      if (!this.deps.notes.library.get(this.current.docId)) {
        this.post({ type: 'empty', message: t('This note was deleted or can no longer be read.'), strings: panelStrings() });
        return;
      }
      this.sendShow(this.current, true);
    }, 150);
  }

  /** The notes as the picker lists them. */
  private files(): NoteFileEntry[] {
    return this.deps.notes.library.documents().map((d) => {
      const info = this.deps.notes.library.info(d.id);
      return { id: d.id, label: info?.bundled || !info?.label ? d.title : `${d.title} — ${info.label}` };
    });
  }

  /** Sends the picker's list once a burst of changes is over, when it differs from the one the panel has. */
  private scheduleFiles(): void {
    if (this.filesTimer) clearTimeout(this.filesTimer);
    this.filesTimer = setTimeout(() => {
      this.filesTimer = undefined;
      if (!this.panel || this.refreshTimer) return; // a page shown again sends the list with it
      const files = this.files();
      const key = JSON.stringify(files);
      if (key === this.filesSent) return;
      this.filesSent = key;
      this.post({ type: 'files', files });
    }, 150);
  }

  private sendShow(loc: Location, preserveScroll: boolean, noReveal = false): void {
    const webview = this.panel?.webview;
    const doc = this.deps.notes.library.get(loc.docId);
    if (!webview || !doc) return;
    const unknown = new Set<string>();
    const library = this.deps.notes.library;
    const depends = new Set<string>();
    const rendered = this.deps.loadRenderer().renderDocument(doc, {
      image: (src) => this.resolveImage(webview, doc, src, unknown),
      vault: {
        resolveLink: (from, target, kind) => {
          const r = library.resolveLink(from, target, kind);
          if (r.kind === 'note') depends.add(r.doc.id);
          else if (r.kind === 'broken' && r.doc) depends.add(r.doc.id);
          return r;
        },
      },
    });
    const backlinks = library.backlinks(doc.id);
    for (const b of backlinks) depends.add(b.doc.id);
    this.dependsOn = depends;
    const files = this.files();
    this.filesSent = JSON.stringify(files);
    this.post({
      type: 'show',
      docId: doc.id,
      title: doc.title,
      html: rendered.html,
      toc: rendered.headings.map((h) => ({ slug: h.slug, title: h.title, level: h.level })),
      backlinks: backlinks.map((b) => {
        const point = b.section?.points.find((p) => p.startLine <= b.link.line && b.link.line <= p.endLine);
        return {
          docId: b.doc.id,
          target: point ? point.id : b.section?.slug,
          title: breadcrumbTitle(b.doc, b.section),
          context: b.context,
          embed: b.link.kind === 'embed',
        };
      }),
      files,
      reveal: noReveal ? undefined : loc.target,
      preserveScroll,
      canGoBack: this.history.length > 0,
      canGoForward: this.future.length > 0,
      strings: panelStrings(),
    });
    this.panel!.title = `ML Notes: ${doc.title}`;
    this.deps.usedInCode?.showFor(doc.id, (m) => this.post(m));
    if (unknown.size) void this.checkImages(unknown).then((changed) => changed && this.current?.docId === doc.id && this.sendShow(this.current, true, true));
  }

  private resolveImage(webview: vscode.Webview, doc: NoteDocument, src: string, unknown: Set<string>): string | null {
    if (/^https?:/i.test(src)) return src;
    const uri = resolveNoteLink(doc.id, src);
    if (!uri || !this.deps.notes.isInsideRoots(uri)) return null;
    const known = this.deps.notes.knownFile(uri);
    if (known === false) return null;
    if (known === undefined) unknown.add(uri.toString());
    return webview.asWebviewUri(uri).toString();
  }

  /** Checks images not known yet; true when one of them is missing (the note is then shown again). */
  private async checkImages(keys: Set<string>): Promise<boolean> {
    const found = await Promise.all([...keys].map((k) => this.deps.notes.fileExists(vscode.Uri.parse(k))));
    return found.includes(false);
  }

  private async openSource(line: number | undefined, target: string | undefined): Promise<void> {
    if (!this.current) return;
    const doc = this.deps.notes.library.get(this.current.docId);
    if (!doc) return;
    let l = line;
    if (l === undefined && target) {
      const slug = target.split('/')[0];
      const section = doc.sections.find((s) => s.slug === slug);
      const point = section && target.includes('/') ? section.points[Number(target.split('/')[1]) - 1] : undefined;
      l = point?.startLine ?? section?.startLine;
    }
    const pos = new vscode.Position(Math.min(l ?? 0, doc.lineCount - 1), 0);
    await vscode.window.showTextDocument(vscode.Uri.parse(doc.id), { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos), preview: false });
  }

  private async openLink(href: string): Promise<void> {
    if (/^https?:\/\//i.test(href)) {
      await vscode.env.openExternal(vscode.Uri.parse(href, true));
      return;
    }
    if (!isSafeLink(href) || /^[a-z][\w+.-]*:/i.test(href) || !this.current) {
      this.deps.log.warn(`Panel: refused to open link "${href}".`);
      return;
    }
    const [pathPart, fragment] = splitFragment(href);
    const uri = resolveNoteLink(this.current.docId, pathPart);
    if (!uri || !this.deps.notes.isInsideRoots(uri)) {
      void vscode.window.showWarningMessage(t('ML Notes opens only links to http(s) pages and to files inside the notes folders.'));
      return;
    }
    const lib = this.deps.notes.library;
    const note = lib.get(uri.toString());
    if (note) {
      const target = fragment ? findTarget(note, fragment) : undefined;
      this.navigate({ docId: note.id, target }, true);
      return;
    }
    const exists = await vscode.workspace.fs.stat(uri).then(
      () => true,
      () => false,
    );
    if (!exists) {
      void vscode.window.showWarningMessage(t('Link target not found: {0}', pathPart));
      return;
    }
    await vscode.commands.executeCommand('vscode.open', uri, vscode.ViewColumn.One);
  }

  private post(message: HostMessage): void {
    if (!this.panel) return;
    if (!this.ready) {
      // Only the latest "show" matters before the webview is ready.
      if (message.type === 'show' || message.type === 'empty') this.queued = this.queued.filter((m) => m.type !== 'show' && m.type !== 'empty' && m.type !== 'reveal');
      this.queued.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private shell(webview: vscode.Webview): string {
    const nonce = makeNonce();
    const ext = this.deps.extensionUri;
    const asset = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(ext, ...p)).toString();
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} https: data:`,
      `style-src ${webview.cspSource} 'unsafe-inline'`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="${escapeAttr(vscode.env.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('dist', 'katex', 'katex.min.css')}">
<link rel="stylesheet" href="${asset('media', 'panel.css')}">
<title>ML Notes</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${asset('dist', 'webview.js')}"></script>
</body>
</html>`;
  }

  override dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.filesTimer) clearTimeout(this.filesTimer);
    this.panel?.dispose();
    super.dispose();
  }
}

export function panelStrings(): PanelStrings {
  return {
    back: t('Back'),
    forward: t('Forward'),
    search: t('Search notes'),
    openSource: t('Open source'),
    contents: t('Contents'),
    noResults: t('No matching notes'),
    notes: t('Notes'),
    linkedFrom: t('Linked from'),
    noBacklinks: t('No other note links here.'),
    embeds: t('embeds this note'),
  };
}

function splitFragment(href: string): [string, string | undefined] {
  const i = href.indexOf('#');
  if (i < 0) return [href, undefined];
  return [href.slice(0, i), safeDecode(href.slice(i + 1))];
}

/** The element of a rendered note a link's fragment names: a section (by slug or heading), a point, or a `^block`. */
function findTarget(doc: NoteDocument, fragment: string): string | undefined {
  if (fragment.startsWith('^')) return doc.blocks.some((b) => b.id === fragment.slice(1)) ? fragment : undefined;
  const point = /^(.+)\/(\d+)$/.exec(fragment);
  if (point && doc.sections.some((s) => s.slug === point[1] && s.points[Number(point[2]) - 1])) return fragment;
  return findHeading(doc, fragment)?.slug;
}

function makeNonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function escapeAttr(s: string): string {
  return s.replace(/[^a-zA-Z0-9-]/g, '');
}
