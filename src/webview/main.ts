/**
 * The ML Notes reference panel: runs inside the webview, builds its UI with DOM APIs and talks to the extension host
 * through the messages of ./protocol. The host renders and sanitises the note HTML; this script only lays it out,
 * scrolls, highlights and forwards the user's intent (navigate, open a link, open the source, search).
 */
import type { BacklinkEntry, HostMessage, NoteFileEntry, PanelState, PanelStrings, SearchResultEntry, TocEntry, WebviewMessage } from './protocol';
import { renderUsedInCode } from './usedInCode';
import { ReadingPosition, SETTLE_MS } from './reading';
import { safeDecode } from '../core/notes/paths';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  setState(state: PanelState): void;
  getState(): unknown;
}

declare function acquireVsCodeApi(): VsCodeApi;

type ShowMessage = Extract<HostMessage, { type: 'show' }>;

const SEARCH_DEBOUNCE_MS = 120;
const SCROLLED_DEBOUNCE_MS = 250;
const NARROW_QUERY = '(max-width: 699px)';
const SVG_NS = 'http://www.w3.org/2000/svg';
const DEFAULT_STRINGS: PanelStrings = {
  back: 'Back',
  forward: 'Forward',
  search: 'Search notes',
  openSource: 'Open Source',
  contents: 'Contents',
  noResults: 'No matching notes',
  notes: 'Note file',
  linkedFrom: 'Linked from',
  noBacklinks: 'No other note links here.',
  embeds: 'embeds this note',
};

// ---------------------------------------------------------------------------------------------------------------
// Small DOM helpers

type Attrs = Record<string, string | number | boolean | undefined>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'className') node.className = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children);
  return node;
}

/** A 16×16 stroked icon from path data (codicon-like, drawn in currentColor). */
function icon(...paths: string[]): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon');
  for (const d of paths) {
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', d);
    svg.append(p);
  }
  return svg;
}

function isTextInput(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement || (target instanceof HTMLElement && target.isContentEditable);
}

/** The placeholder the host's sanitiser emits for an image that does not exist. */
function missingImagePlaceholder(alt: string, src: string): HTMLSpanElement {
  const path = safeDecode(src.split(/[?#]/)[0]);
  const label = alt.trim() || path.split('/').pop() || 'image';
  return el('span', { className: 'missing-image', role: 'img', 'aria-label': label, title: src ? `Image not found: ${path}` : 'Image not found' }, label);
}

function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): { (...args: A): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, ms);
  };
  run.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return run;
}

// ---------------------------------------------------------------------------------------------------------------
// Search box with its result list (ARIA combobox + listbox)

class SearchBox {
  readonly root: HTMLDivElement;
  readonly input: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private results: SearchResultEntry[] = [];
  private active = -1;
  private lastQuery = '';
  private readonly postQuery = debounce((query: string) => {
    this.lastQuery = query;
    this.post({ type: 'search', query });
  }, SEARCH_DEBOUNCE_MS);

  constructor(
    private readonly post: (m: WebviewMessage) => void,
    private readonly choose: (r: SearchResultEntry) => void,
    private strings: PanelStrings,
  ) {
    this.input = el('input', {
      type: 'search',
      className: 'search-input',
      role: 'combobox',
      'aria-autocomplete': 'list',
      'aria-expanded': 'false',
      'aria-controls': 'search-results',
      autocomplete: 'off',
      spellcheck: 'false',
      maxlength: 200,
    });
    this.list = el('ul', { id: 'search-results', className: 'search-results', role: 'listbox', hidden: true });
    this.root = el('div', { className: 'search' }, icon('M6.5 2.5a4 4 0 1 1 0 8 4 4 0 0 1 0-8zM9.5 9.5l4 4'), this.input, this.list);
    this.setStrings(strings);

    this.input.addEventListener('input', () => {
      const query = this.input.value.trim();
      if (!query) {
        this.postQuery.cancel();
        this.lastQuery = '';
        this.close();
        return;
      }
      this.postQuery(query);
    });
    this.input.addEventListener('keydown', (e) => this.onKeyDown(e));
    this.input.addEventListener('focus', () => {
      if (this.input.value.trim() && this.input.value.trim() === this.lastQuery && this.list.childElementCount) this.open();
    });
    this.root.addEventListener('focusout', (e) => {
      if (!(e.relatedTarget instanceof Node) || !this.root.contains(e.relatedTarget)) this.close();
    });
    // Keep the focus in the input while a result is clicked.
    this.list.addEventListener('mousedown', (e) => e.preventDefault());
    this.list.addEventListener('click', (e) => {
      const option = (e.target as Element).closest<HTMLElement>('[role="option"][data-index]');
      if (option) this.pick(Number(option.dataset.index));
    });
  }

  setStrings(strings: PanelStrings): void {
    this.strings = strings;
    this.input.placeholder = strings.search;
    this.input.setAttribute('aria-label', strings.search);
    this.list.setAttribute('aria-label', strings.search);
  }

  focus(): void {
    this.input.focus({ preventScroll: true });
    this.input.select();
  }

  /** Puts a query in the box and searches for it now (a click on a #tag). */
  searchFor(query: string): void {
    const q = query.trim().slice(0, 200);
    if (!q) return;
    this.input.value = q;
    this.postQuery.cancel();
    this.lastQuery = q;
    this.input.focus({ preventScroll: true });
    this.post({ type: 'search', query: q });
  }

  showResults(query: string, results: SearchResultEntry[]): void {
    // Answers to an older query (the user kept typing) are dropped.
    if (query !== this.lastQuery || this.input.value.trim() !== query) return;
    this.results = results;
    this.active = results.length ? 0 : -1;
    this.list.replaceChildren();
    if (!results.length) {
      this.list.append(el('li', { className: 'search-empty', role: 'presentation' }, this.strings.noResults));
    }
    results.forEach((r, i) => {
      const option = el(
        'li',
        { id: `search-result-${i}`, role: 'option', 'data-index': i, 'aria-selected': 'false' },
        el('span', { className: 'result-title' }, r.title),
      );
      if (r.breadcrumb) option.append(el('span', { className: 'result-breadcrumb' }, r.breadcrumb));
      if (r.detail) option.append(el('span', { className: 'result-detail' }, r.detail));
      this.list.append(option);
    });
    if (document.activeElement === this.input) this.open();
    this.highlight();
  }

  close(): void {
    this.list.hidden = true;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
  }

  private open(): void {
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.highlight();
  }

  private get isOpen(): boolean {
    return !this.list.hidden;
  }

  private highlight(): void {
    for (const option of Array.from(this.list.querySelectorAll<HTMLElement>('[role="option"]'))) {
      const selected = Number(option.dataset.index) === this.active;
      option.setAttribute('aria-selected', String(selected));
      if (selected) {
        if (this.isOpen) this.input.setAttribute('aria-activedescendant', option.id);
        option.scrollIntoView({ block: 'nearest' });
      }
    }
    if (this.active < 0) this.input.removeAttribute('aria-activedescendant');
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.isComposing) return; // IME (Chinese input): Enter and arrows belong to the candidate window
    const n = this.results.length;
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        if (!n) return;
        e.preventDefault();
        if (!this.isOpen) {
          this.open();
          return;
        }
        const step = e.key === 'ArrowDown' ? 1 : -1;
        this.active = this.active < 0 ? (step > 0 ? 0 : n - 1) : (this.active + step + n) % n;
        this.highlight();
        return;
      }
      case 'Home':
      case 'End':
        if (!this.isOpen || !n || e.shiftKey) return;
        e.preventDefault();
        this.active = e.key === 'Home' ? 0 : n - 1;
        this.highlight();
        return;
      case 'Enter': {
        e.preventDefault();
        const query = this.input.value.trim();
        if (query && query !== this.lastQuery) {
          // Enter before the debounce fired: search now; the results open the list.
          this.postQuery.cancel();
          this.lastQuery = query;
          this.post({ type: 'search', query });
          return;
        }
        if (n && query === this.lastQuery) this.pick(this.active < 0 ? 0 : this.active);
        return;
      }
      case 'Escape':
        if (this.isOpen) {
          e.preventDefault();
          e.stopPropagation();
          this.close();
        } else if (this.input.value) {
          e.preventDefault();
          this.input.value = '';
          this.lastQuery = '';
          this.postQuery.cancel();
        }
        return;
    }
  }

  private pick(index: number): void {
    const r = this.results[index];
    if (!r) return;
    this.close();
    this.choose(r);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The panel

class Panel {
  private strings: PanelStrings = DEFAULT_STRINGS;

  private readonly toolbar: HTMLElement;
  private readonly backButton: HTMLButtonElement;
  private readonly forwardButton: HTMLButtonElement;
  private readonly filePicker: HTMLSelectElement;
  private readonly search: SearchBox;
  private readonly openSourceButton: HTMLButtonElement;
  private readonly openSourceLabel: HTMLSpanElement;
  private readonly layout: HTMLDivElement;
  private readonly toc: HTMLElement;
  private readonly tocTitle: HTMLHeadingElement;
  private readonly tocToggle: HTMLButtonElement;
  private readonly tocToggleLabel: HTMLSpanElement;
  private readonly tocList: HTMLUListElement;
  private readonly article: HTMLElement;
  private readonly backlinks: HTMLElement;
  private readonly endSentinel: HTMLDivElement;
  private readonly emptyState: HTMLDivElement;

  private docId: string | undefined;
  private canGoBack = false;
  private canGoForward = false;
  private tocEntries: TocEntry[] = [];
  private tocLinks = new Map<string, HTMLAnchorElement>();
  /** Where the reader is: reveals, the place kept across a re-render, the current section. */
  private readonly reading: ReadingPosition;
  private readonly narrow = window.matchMedia(NARROW_QUERY);
  private tocExpanded = false;
  private minHeightTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly postScrolled = debounce((target: string) => this.post({ type: 'scrolled', target }), SCROLLED_DEBOUNCE_MS);

  constructor(
    app: HTMLElement,
    private readonly vscode: VsCodeApi,
  ) {
    this.backButton = el('button', { type: 'button', className: 'icon-button', disabled: true }, icon('M10 3 5 8l5 5'));
    this.forwardButton = el('button', { type: 'button', className: 'icon-button', disabled: true }, icon('M6 3l5 5-5 5'));
    this.filePicker = el('select', { className: 'file-picker' });
    this.search = new SearchBox(
      (m) => this.post(m),
      (r) => {
        this.post({ type: 'navigate', docId: r.docId, target: r.point !== undefined ? `${r.slug}/${r.point}` : r.slug });
        this.article.focus({ preventScroll: true });
      },
      this.strings,
    );
    this.openSourceLabel = el('span', { className: 'label' });
    this.openSourceButton = el(
      'button',
      { type: 'button', className: 'text-button open-source' },
      icon('M9 2H4v12h8V5z', 'M9 2v3h3', 'M6.5 8.5 5 10l1.5 1.5', 'M9.5 8.5 11 10l-1.5 1.5'),
      this.openSourceLabel,
    );
    this.toolbar = el(
      'header',
      { className: 'toolbar' },
      el('div', { className: 'nav-buttons' }, this.backButton, this.forwardButton),
      this.filePicker,
      this.search.root,
      this.openSourceButton,
    );

    this.tocTitle = el('h2', { className: 'toc-title', id: 'toc-title' });
    this.tocToggleLabel = el('span');
    this.tocToggle = el('button', { type: 'button', className: 'toc-toggle', 'aria-expanded': 'false', 'aria-controls': 'toc-list' }, icon('M6 4l4 4-4 4'), this.tocToggleLabel);
    this.tocList = el('ul', { className: 'toc-list', id: 'toc-list' });
    this.toc = el('nav', { className: 'toc', 'aria-labelledby': 'toc-title' }, this.tocTitle, this.tocToggle, this.tocList);
    this.article = el('article', { className: 'note-content', tabindex: -1 });
    this.backlinks = el('section', { className: 'backlinks', 'aria-labelledby': 'backlinks-title' });
    this.endSentinel = el('div', { className: 'end-sentinel', 'aria-hidden': 'true' });
    this.layout = el('div', { className: 'layout', hidden: true }, this.toc, el('main', { className: 'content' }, this.article, this.backlinks, this.endSentinel));
    this.emptyState = el('div', { className: 'empty-state', role: 'status', hidden: true });
    this.reading = new ReadingPosition(this.article, this.toolbar, this.endSentinel, (id, first) => this.currentChanged(id, first));
    this.toolbar.hidden = true;
    app.replaceChildren(this.toolbar, this.layout, this.emptyState);
    this.applyStrings();

    this.wire();
    this.applyNarrow();
  }

  private post(message: WebviewMessage): void {
    this.vscode.postMessage(message);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Events

  private wire(): void {
    window.addEventListener('focus', () => this.post({ type: 'focused' }));
    this.backButton.addEventListener('click', () => this.go('back'));
    this.forwardButton.addEventListener('click', () => this.go('forward'));
    this.filePicker.addEventListener('change', () => {
      const docId = this.filePicker.value;
      if (docId && docId !== this.docId) this.post({ type: 'navigate', docId });
    });
    this.openSourceButton.addEventListener('click', () => this.openSource());
    this.tocToggle.addEventListener('click', () => this.setTocExpanded(!this.tocExpanded));
    this.tocList.addEventListener('click', (e) => {
      const link = (e.target as Element).closest<HTMLAnchorElement>('a[data-slug]');
      if (!link) return;
      e.preventDefault();
      const slug = link.dataset.slug!;
      if (this.narrow.matches) this.setTocExpanded(false);
      this.reading.scrollToId(slug, { smooth: true, flash: false, focus: true });
    });

    this.article.addEventListener('click', (e) => this.onContentClick(e));
    this.backlinks.addEventListener('click', (e) => {
      const item = (e.target as Element).closest<HTMLAnchorElement>('a[data-doc]');
      if (!item) return;
      e.preventDefault();
      this.post({ type: 'navigate', docId: item.dataset.doc!, target: item.dataset.target || undefined });
    });
    // Middle-click would otherwise ask the webview to open the link itself (content and contents links alike).
    document.addEventListener('auxclick', (e) => {
      if ((e.target as Element).closest?.('a')) e.preventDefault();
    });
    // Images that fail at run time (error events do not bubble: listen in the capture phase).
    this.article.addEventListener('error', (e) => this.onImageError(e), true);
    this.article.addEventListener('load', (e) => {
      if (e.target instanceof HTMLImageElement) this.reading.reapplySettle();
    }, true);

    window.addEventListener('message', (e: MessageEvent) => this.onMessage(e.data));
    window.addEventListener('keydown', (e) => this.onKeyDown(e));
    // A resize can move what was revealed (text rewraps, a narrow panel folds the contents above the note): while the
    // reveal settles, it is scrolled to the top again.
    window.addEventListener('resize', () => {
      this.reading.reapplySettle();
      this.reading.scheduleUpdate();
    });
    for (const type of ['wheel', 'touchstart', 'mousedown', 'keydown'] as const) {
      window.addEventListener(type, () => this.reading.stopSettling(), { passive: true, capture: true });
    }
    this.narrow.addEventListener('change', () => this.applyNarrow());
    new ResizeObserver(() => this.onToolbarResize()).observe(this.toolbar);
  }

  private go(direction: 'back' | 'forward'): void {
    if (direction === 'back' ? this.canGoBack : this.canGoForward) this.post({ type: direction });
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      if (isTextInput(e.target)) return; // Alt+arrows move by word in the search box on macOS
      e.preventDefault();
      this.go(e.key === 'ArrowLeft' ? 'back' : 'forward');
    }
  }

  private onContentClick(e: MouseEvent): void {
    // A #tag: the notes and sections with that tag, in the search box.
    const tag = (e.target as Element).closest?.('.tag');
    if (tag && this.article.contains(tag) && !tag.closest('a')) {
      this.search.searchFor(tag.textContent ?? '');
      return;
    }
    const link = (e.target as Element).closest?.('a');
    if (!link || !this.article.contains(link)) return;
    e.preventDefault();
    const href = link.getAttribute('href');
    if (!href) return;
    if (href.startsWith('#')) {
      const id = safeDecode(href.slice(1));
      if (id) this.reading.scrollToId(id, { smooth: true, flash: true, focus: false });
      return;
    }
    this.post({ type: 'openLink', href });
  }

  private onImageError(e: Event): void {
    const img = e.target;
    if (!(img instanceof HTMLImageElement) || !this.article.contains(img)) return;
    img.replaceWith(missingImagePlaceholder(img.getAttribute('alt') ?? '', img.getAttribute('src') ?? ''));
    this.reading.reapplySettle();
  }

  private onMessage(data: unknown): void {
    if (!data || typeof data !== 'object') return;
    const m = data as HostMessage;
    switch (m.type) {
      case 'show':
        if (typeof m.html === 'string' && typeof m.docId === 'string') this.show(m);
        return;
      case 'reveal':
        if (typeof m.target === 'string') this.reading.scrollToId(m.target, { smooth: true, flash: true, focus: false });
        return;
      case 'searchResults':
        if (typeof m.query === 'string' && Array.isArray(m.results)) this.search.showResults(m.query, m.results);
        return;
      case 'focusSearch':
        if (!this.toolbar.hidden) this.search.focus();
        return;
      case 'empty':
        this.showEmpty(typeof m.message === 'string' ? m.message : '', m.strings);
        return;
      case 'usedInCode':
        if (m.docId === this.docId && !this.layout.hidden) renderUsedInCode(this.article, m, (msg) => this.post(msg));
        return;
      case 'files':
        if (Array.isArray(m.files) && this.docId) this.renderFiles(m.files, this.docId, document.title);
        return;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Rendering

  private applyStrings(): void {
    const s = this.strings;
    this.backButton.setAttribute('aria-label', s.back);
    this.backButton.title = `${s.back} (Alt+←)`;
    this.forwardButton.setAttribute('aria-label', s.forward);
    this.forwardButton.title = `${s.forward} (Alt+→)`;
    this.filePicker.setAttribute('aria-label', s.notes);
    this.filePicker.title = s.notes;
    this.openSourceLabel.textContent = s.openSource;
    this.openSourceButton.title = s.openSource;
    this.openSourceButton.setAttribute('aria-label', s.openSource); // the label is hidden on narrow panels
    this.tocTitle.textContent = s.contents;
    this.tocToggleLabel.textContent = s.contents;
    this.search.setStrings(s);
  }

  private show(m: ShowMessage): void {
    if (m.strings) {
      this.strings = { ...DEFAULT_STRINGS, ...m.strings };
      this.applyStrings();
    }
    const sameDoc = m.docId === this.docId && !this.layout.hidden;
    const keep = m.preserveScroll && sameDoc ? this.reading.capture() : undefined;
    clearTimeout(this.minHeightTimer);
    // While the re-rendered images load the note is shorter; keeping its height stops the scroll position clamping.
    this.article.style.minHeight = keep ? `${this.article.offsetHeight}px` : '';

    this.docId = m.docId;
    this.canGoBack = !!m.canGoBack;
    this.canGoForward = !!m.canGoForward;
    this.backButton.disabled = !this.canGoBack;
    this.forwardButton.disabled = !this.canGoForward;
    document.title = typeof m.title === 'string' ? m.title : '';
    this.renderFiles(Array.isArray(m.files) ? m.files : [], m.docId, document.title);

    this.emptyState.hidden = true;
    this.toolbar.hidden = false;
    this.layout.hidden = false;
    this.article.innerHTML = m.html; // sanitised by the host
    this.renderToc(Array.isArray(m.toc) ? m.toc : []);
    this.renderBacklinks(Array.isArray(m.backlinks) ? m.backlinks : []);
    this.reading.attach(new Set(this.tocEntries.map((t) => t.slug)));

    if (keep) {
      this.reading.restore(keep);
      this.minHeightTimer = setTimeout(() => (this.article.style.minHeight = ''), SETTLE_MS);
    } else if (!(m.reveal && this.reading.scrollToId(m.reveal, { smooth: false, flash: true, focus: false }))) {
      this.reading.toTop();
    }
    this.reading.update();
  }

  private showEmpty(message: string, strings: PanelStrings | undefined): void {
    if (strings) {
      this.strings = { ...DEFAULT_STRINGS, ...strings };
      this.applyStrings();
    }
    this.docId = undefined;
    this.reading.detach();
    this.article.replaceChildren();
    this.tocList.replaceChildren();
    this.toolbar.hidden = true;
    this.layout.hidden = true;
    this.emptyState.replaceChildren(el('p', {}, message));
    this.emptyState.hidden = false;
    document.title = message;
  }

  private renderFiles(files: NoteFileEntry[], docId: string, title: string): void {
    this.filePicker.replaceChildren(...files.map((f) => el('option', { value: f.id, selected: f.id === docId }, f.label)));
    if (!files.some((f) => f.id === docId)) this.filePicker.append(el('option', { value: docId, selected: true, hidden: true }, title || docId));
    this.filePicker.value = docId;
    this.filePicker.hidden = files.length === 0;
    this.fitFilePicker();
  }

  /** "Linked from": every note and section that links to or embeds this note, with the line of context. */
  private renderBacklinks(entries: BacklinkEntry[]): void {
    const title = el('h2', { className: 'backlinks-title', id: 'backlinks-title' }, this.strings.linkedFrom);
    const valid = entries.filter((b) => b && typeof b.docId === 'string' && typeof b.title === 'string');
    if (!valid.length) {
      this.backlinks.replaceChildren(title, el('p', { className: 'backlinks-empty' }, this.strings.noBacklinks));
      return;
    }
    const items = valid.map((b) => {
      const link = el('a', { href: '#', className: 'backlink-title', 'data-doc': b.docId, 'data-target': b.target ?? '' }, b.title);
      const li = el('li', { className: 'backlink' }, link);
      if (b.embed) li.append(el('span', { className: 'backlink-kind' }, ` · ${this.strings.embeds}`));
      if (b.context) li.append(el('div', { className: 'backlink-context' }, b.context));
      return li;
    });
    this.backlinks.replaceChildren(title, el('ul', { className: 'backlinks-list' }, ...items));
  }

  private renderToc(entries: TocEntry[]): void {
    this.tocEntries = entries.filter((t) => t && typeof t.slug === 'string' && typeof t.title === 'string');
    this.tocLinks.clear();
    const minLevel = Math.min(...this.tocEntries.map((t) => t.level), 6);
    const items = this.tocEntries.map((t) => {
      const link = el('a', { href: `#${encodeURIComponent(t.slug)}`, 'data-slug': t.slug, title: t.title }, t.title);
      link.style.setProperty('--depth', String(Math.max(0, Math.min(5, (t.level || minLevel) - minLevel))));
      this.tocLinks.set(t.slug, link);
      return el('li', {}, link);
    });
    this.tocList.replaceChildren(...items);
    this.toc.hidden = items.length === 0;
    this.layout.classList.toggle('no-toc', items.length === 0);
  }

  /** Shows the whole note title in the file picker: wide enough for it when there is room, a tooltip when not. */
  private fitFilePicker(): void {
    const picker = this.filePicker;
    const label = picker.selectedOptions[0]?.textContent ?? '';
    const style = getComputedStyle(picker);
    const context = document.createElement('canvas').getContext('2d');
    if (!context) return;
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    // Text, padding and the drop-down arrow.
    const wanted = Math.ceil(context.measureText(label).width) + 40;
    const room = Math.max(90, Math.floor(this.toolbar.clientWidth * 0.45));
    picker.style.width = `${Math.min(wanted, room)}px`;
    if (wanted > room) picker.title = label;
    else picker.removeAttribute('title');
  }

  private onToolbarResize(): void {
    this.fitFilePicker();
    const h = this.toolbar.hidden ? 0 : this.toolbar.offsetHeight;
    document.documentElement.style.setProperty('--toolbar-height', `${h}px`);
    // A toolbar that grew (it wraps in a narrow panel once the note picker is sized) covers the top of the page: what
    // is being revealed is scrolled below it again.
    this.reading.toolbarResized();
  }

  /** The current section changed: the contents highlight it, the state keeps it, the host hears of a reader's move. */
  private currentChanged(id: string | undefined, first: boolean): void {
    for (const [s, link] of this.tocLinks) {
      const on = s === id;
      link.classList.toggle('active', on);
      if (on) {
        link.setAttribute('aria-current', 'location');
        this.keepTocLinkVisible(link);
      } else link.removeAttribute('aria-current');
    }
    this.saveState();
    if (id && !first) this.postScrolled(id);
  }

  /** Scrolls only the sidebar (never the page) so that the active entry is visible. */
  private keepTocLinkVisible(link: HTMLElement): void {
    const list = this.tocList;
    if (list.scrollHeight <= list.clientHeight) return;
    const top = link.offsetTop - list.offsetTop;
    if (top < list.scrollTop) list.scrollTop = top - 8;
    else if (top + link.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + link.offsetHeight - list.clientHeight + 8;
  }

  private saveState(): void {
    if (!this.docId) return;
    const state: PanelState = { docId: this.docId };
    if (this.reading.current) state.target = this.reading.current;
    this.vscode.setState(state);
  }

  /** The block at the top of the reading area (its `data-line`, 0-based source line) and its section. */
  private openSource(): void {
    const line = this.reading.lineAtTop();
    const message: WebviewMessage = { type: 'openSource' };
    if (line !== undefined) message.line = line;
    const marker = this.reading.markerAtTop();
    if (marker) message.target = marker.id;
    this.post(message);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Narrow layout: the contents collapse above the note

  private applyNarrow(): void {
    const narrow = this.narrow.matches;
    this.layout.classList.toggle('narrow', narrow);
    this.setTocExpanded(!narrow);
    this.reading.reapplySettle();
  }

  private setTocExpanded(expanded: boolean): void {
    this.tocExpanded = expanded;
    this.toc.classList.toggle('collapsed', !expanded);
    this.tocToggle.setAttribute('aria-expanded', String(expanded));
  }
}

function start(): void {
  const vscode = acquireVsCodeApi(); // may be called only once per webview
  const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
  new Panel(app, vscode);
  vscode.postMessage({ type: 'ready' });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
