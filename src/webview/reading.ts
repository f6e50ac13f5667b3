/**
 * Where the reader is in the panel's note: revealing a section or point (and keeping it in place while late images
 * and a wrapping toolbar move the page), keeping the reader's place across a re-render, and which section is
 * current as they scroll (the contents' highlight, the host's "scrolled" message).
 */

/** How long after a render late-loading images may still move the revealed element back into place. */
export const SETTLE_MS = 3000;
/** How much of a point shows under its section's heading when a point is opened (about three lines). */
const POINT_ROOM_PX = 64;
const FLASH_MS = 1500;
/**
 * A heading counts as "at the top" when it is within this many pixels below the toolbar. Revealed elements land
 * 12 px below it (scroll-padding-top in panel.css), so this must be larger than that.
 */
const TOP_SLACK_PX = 24;

/** The reader's place: the section marker at the top and the distance scrolled past it (or the page offset). */
export interface Place {
  id?: string;
  offset: number;
  y: number;
}

export class ReadingPosition {
  private markers: HTMLElement[] = [];
  private currentId: string | undefined;
  /** A note is shown (the current section means something). */
  private shown = false;
  private observer: IntersectionObserver | undefined;
  private observedMargin = '';
  private updateScheduled = false;
  /** While a reveal settles, re-applied when images load or the layout changes; the reader's own scrolling ends it. */
  private settle: { apply: () => void; until: number } | undefined;

  constructor(
    private readonly article: HTMLElement,
    private readonly toolbar: HTMLElement,
    /** Observed with the markers: the end of the page, where the last sections can never reach the top. */
    private readonly endSentinel: HTMLElement,
    /** The current section changed (`first`: the first one after a note is shown, not a move of the reader's). */
    private readonly onCurrent: (id: string | undefined, first: boolean) => void,
  ) {}

  /** The section (or point) marker at the top, as last computed. */
  get current(): string | undefined {
    return this.currentId;
  }

  /** A note was rendered into the article: its markers are the anchors of points and the headings in `sections`. */
  attach(sections: ReadonlySet<string>): void {
    this.markers = [];
    for (const node of Array.from(this.article.querySelectorAll<HTMLElement>('a.section-anchor[id], h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]'))) {
      if (node.classList.contains('section-anchor') || sections.has(node.id)) this.markers.push(node);
    }
    this.shown = true;
    this.currentId = undefined;
    this.observe();
  }

  /** No note is shown. */
  detach(): void {
    this.shown = false;
    this.currentId = undefined;
    this.observer?.disconnect();
    this.markers = [];
  }

  /** Scrolls the element with that id (a section slug, a point `slug/N`, any id in the note) to the top. */
  scrollToId(id: string, opts: { smooth: boolean; flash: boolean; focus: boolean }): boolean {
    const target = document.getElementById(id);
    if (!target || !this.article.contains(target)) return false;
    const smooth = opts.smooth && !prefersReducedMotion();
    this.scrollAnchor(target).scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
    if (!smooth) this.settle = { apply: () => this.scrollAnchor(target).scrollIntoView({ block: 'start' }), until: Date.now() + SETTLE_MS };
    if (opts.flash) flash(target);
    if (opts.focus) {
      if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: true });
    }
    this.scheduleUpdate();
    return true;
  }

  /** The top of the page, nothing to settle. */
  toTop(): void {
    window.scrollTo(0, 0);
    this.settle = undefined;
  }

  /** The layout moved (an image loaded, a resize): what is being revealed goes back to the top while it settles. */
  reapplySettle(): void {
    if (!this.settle) return;
    if (Date.now() > this.settle.until) this.settle = undefined;
    else this.settle.apply();
  }

  /** The reader scrolled, clicked or typed: their place is theirs from now on. */
  stopSettling(): void {
    this.settle = undefined;
  }

  /** Where the reader is: the current section marker and the distance scrolled past it. */
  capture(): Place {
    const marker = this.markerAtTop();
    const y = window.scrollY;
    if (!marker) return { offset: 0, y };
    return { id: marker.id, offset: y - (marker.getBoundingClientRect().top + y), y };
  }

  /** Back to a captured place in the note as rendered now (the same marker, the same distance past it). */
  restore(place: Place): void {
    const apply = () => {
      const marker = place.id ? document.getElementById(place.id) : null;
      const y = marker && this.article.contains(marker) ? marker.getBoundingClientRect().top + window.scrollY + place.offset : place.y;
      window.scrollTo(0, y);
    };
    apply();
    this.settle = { apply, until: Date.now() + SETTLE_MS };
  }

  /** The toolbar changed height: the observer's top margin follows it, and a settling reveal goes below it again. */
  toolbarResized(): void {
    this.reapplySettle();
    if (this.observer && this.margin() !== this.observedMargin) this.observe();
  }

  scheduleUpdate(): void {
    if (this.updateScheduled) return;
    this.updateScheduled = true;
    requestAnimationFrame(() => {
      this.updateScheduled = false;
      this.update();
    });
  }

  /** Works out the current section now, and says so when it changed. */
  update(): void {
    if (!this.shown) return;
    const id = this.markerAtTop()?.id;
    if (id === this.currentId && this.currentId !== undefined) return;
    const first = this.currentId === undefined;
    this.currentId = id;
    this.onCurrent(id, first);
  }

  /** The last section marker at or above the top edge of the reading area (binary search: markers are in order). */
  markerAtTop(): HTMLElement | undefined {
    const markers = this.markers;
    if (!markers.length) return undefined;
    const found = lastAbove(markers, this.toolbarBottom() + TOP_SLACK_PX);
    // At the very end of the page the last sections can never reach the top: take the last one in view.
    const scroller = document.scrollingElement ?? document.documentElement;
    if (window.scrollY > 0 && window.scrollY + window.innerHeight >= scroller.scrollHeight - 2) {
      for (let i = markers.length - 1; i > found; i--) {
        if (markers[i].getBoundingClientRect().top < window.innerHeight) return markers[i];
      }
    }
    return markers[Math.max(found, 0)];
  }

  /** The 0-based source line of the block the reader sees first at the top (its `data-line`). */
  lineAtTop(): number | undefined {
    const blocks = Array.from(this.article.querySelectorAll<HTMLElement>('[data-line]'));
    if (!blocks.length) return undefined;
    const edge = this.toolbarBottom();
    // Document order ≈ vertical order (a nested block follows its parent): the last block starting above the line
    // is the innermost one the reader sees first.
    const found = Math.max(0, lastAbove(blocks, edge + TOP_SLACK_PX));
    // If that block has already scrolled out of view, the next one is what the reader sees first.
    const b = blocks[found];
    const pick = b.getBoundingClientRect().bottom <= edge && blocks[found + 1] ? blocks[found + 1] : b;
    const line = Number(pick.dataset.line);
    return Number.isInteger(line) && line >= 0 ? line : undefined;
  }

  private toolbarBottom(): number {
    return this.toolbar.hidden ? 0 : Math.max(0, this.toolbar.getBoundingClientRect().bottom);
  }

  private margin(): string {
    return `-${Math.round(this.toolbarBottom())}px 0px 0px 0px`;
  }

  private observe(): void {
    this.observer?.disconnect();
    const margin = this.margin();
    this.observedMargin = margin;
    // root: document, so that rootMargin applies inside the webview's (cross-origin) frame.
    this.observer = new IntersectionObserver(() => this.scheduleUpdate(), { root: document, rootMargin: margin, threshold: [0, 1] });
    for (const m of this.markers) this.observer.observe(m);
    this.observer.observe(this.endSentinel);
  }

  /**
   * What goes to the top to show `target`: for a point (`slug/N`), its section's heading when the point's first lines
   * still show below it, so that the reader sees which section the point is in; else the target itself.
   */
  private scrollAnchor(target: HTMLElement): HTMLElement {
    const section = /^(.+)\/\d+$/.exec(target.id)?.[1];
    const heading = section ? document.getElementById(section) : null;
    if (!heading || !this.article.contains(heading)) return target;
    const from = heading.getBoundingClientRect().top;
    const point = target.getBoundingClientRect();
    const room = window.innerHeight - this.toolbarBottom() - POINT_ROOM_PX;
    return point.top - from + Math.min(point.height, POINT_ROOM_PX) <= room ? heading : target;
  }
}

/** The index of the last element (in document order) whose top is at or above `line`, or -1. */
function lastAbove(elements: readonly HTMLElement[], line: number): number {
  let lo = 0;
  let hi = elements.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (elements[mid].getBoundingClientRect().top <= line) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** VS Code's own "reduce motion" setting (a body class) or the system's. */
function prefersReducedMotion(): boolean {
  return document.body.classList.contains('vscode-reduce-motion') || window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** A brief highlight of a revealed element (CSS animation; static and shorter-lived with reduced motion). */
function flash(target: HTMLElement): void {
  target.classList.remove('flash');
  void target.offsetWidth; // restart the animation
  target.classList.add('flash');
  const timer = (target as HTMLElement & { _flashTimer?: number })._flashTimer;
  if (timer) clearTimeout(timer);
  (target as HTMLElement & { _flashTimer?: number })._flashTimer = window.setTimeout(() => target.classList.remove('flash'), FLASH_MS + 100);
}
