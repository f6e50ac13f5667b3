/**
 * Allowlist sanitiser for the raw HTML a note contains (markdown-it's html_block / html_inline tokens).
 * Allowed tags keep only allowed attributes; unknown tags are unwrapped (their text stays); dangerous elements are
 * dropped with their content; URLs must be http(s), relative, fragment, or (images only) data:image.
 */

export interface SanitizeHooks {
  /** Rewrites an allowed image src (relative to the note); null means the image does not exist. */
  image?: (src: string) => string | null;
}

const ALLOWED: Record<string, readonly string[]> = {
  img: ['src', 'alt', 'width', 'height', 'title'],
  a: ['href', 'title'],
  hr: [],
  br: [],
  sub: [],
  sup: [],
  kbd: [],
  details: ['open'],
  summary: [],
  table: [],
  thead: [],
  tbody: [],
  tfoot: [],
  tr: [],
  th: ['align', 'colspan', 'rowspan'],
  td: ['align', 'colspan', 'rowspan'],
  caption: [],
  b: [],
  i: [],
  em: [],
  strong: [],
  code: [],
  pre: [],
  del: [],
  s: [],
  u: [],
  mark: [],
  small: [],
  p: ['align'],
  blockquote: [],
  ul: [],
  ol: ['start'],
  li: [],
};

const VOID = new Set(['img', 'hr', 'br', 'wbr', 'area', 'base', 'col', 'embed', 'input', 'link', 'meta', 'source', 'track', 'param']);

/** Elements removed together with everything inside them. */
const DROP_WITH_CONTENT = new Set(['script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'template', 'noscript', 'noembed', 'noframes', 'textarea', 'title', 'svg', 'math', 'select', 'option', 'xmp', 'plaintext', 'head', 'base', 'link', 'meta']);

// http(s), fragments, absolute and relative paths (no scheme before the first `/`, `?` or `#`). mailto: and every
// other scheme are refused: the panel opens only http(s) pages and files inside the notes folders.
const SAFE_URL = /^(?:https?:|#|\/|\.{0,2}\/|[^:/?#]*(?:[/?#]|$))/i;
const DATA_IMAGE = /^data:image\/(?:png|gif|jpe?g|webp|bmp|avif);base64,[a-z0-9+/=\s]*$/i;

export function isSafeLink(url: string): boolean {
  const u = normaliseUrl(url);
  if (!u) return true;
  return SAFE_URL.test(u) && !/^(?:javascript|vbscript|command|data|file|blob):/i.test(u);
}

export function isSafeImage(url: string): boolean {
  const u = normaliseUrl(url);
  if (DATA_IMAGE.test(u)) return true;
  return isSafeLink(u) && u !== '' && !u.startsWith('#');
}

/**
 * Text that names a script or command URL (`javascript:`, `vbscript:`, `command:`, `vscode:`, `data:text/html`),
 * however it is spelled. Such text is never kept in an attribute, not even a tooltip or alt text: no later code that
 * copies an attribute into a link can turn it into one.
 */
export function hasScriptScheme(text: string): boolean {
  return /(?:java|vb|live)script:|command:|data:text\/html|vscode(?:-[a-z]+)?:/i.test(normaliseUrl(text));
}

/** Strips control characters and whitespace that browsers ignore inside a scheme ("java\tscript:"). */
function normaliseUrl(url: string): string {
  return decodeEntities(url).replace(/[\u0000-\u0020\u007f-\u009f]/g, '').trim();
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function escapeText(s: string): string {
  return s.replace(/&(?![a-zA-Z][a-zA-Z0-9]{1,31};|#[0-9]{1,7};|#x[0-9a-fA-F]{1,6};)/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', tab: '\t', newline: '\n', nbsp: '\u00a0', sol: '/', lpar: '(', rpar: ')' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, (m, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
    }
    return NAMED[body.toLowerCase()] ?? m;
  });
}

interface Tag {
  kind: 'open' | 'close';
  name: string;
  attrs: [string, string][];
  selfClosing: boolean;
}

const TAG_RE = /<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s"'>\/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*(\/?)>/y;
const ATTR_RE = /([^\s"'>\/=]+)(?:\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/** Sanitises an HTML fragment (possibly a single tag). Never throws. */
export function sanitizeHtml(html: string, hooks: SanitizeHooks = {}, state: SanitizeState = new SanitizeState()): string {
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? html.length : lt;
    if (textEnd > i) {
      if (!state.dropping) out += escapeText(html.slice(i, textEnd));
      i = textEnd;
      if (lt < 0) break;
    }
    // Comments, doctype, CDATA, processing instructions: removed.
    if (html.startsWith('<!--', i)) {
      const end = html.indexOf('-->', i + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (html.startsWith('<!', i) || html.startsWith('<?', i)) {
      const end = html.indexOf('>', i);
      i = end < 0 ? html.length : end + 1;
      continue;
    }
    TAG_RE.lastIndex = i;
    const m = TAG_RE.exec(html);
    if (!m) {
      if (!state.dropping) out += '&lt;';
      i++;
      continue;
    }
    i = TAG_RE.lastIndex;
    const tag: Tag = { kind: m[1] ? 'close' : 'open', name: m[2].toLowerCase(), attrs: parseAttrs(m[3]), selfClosing: !!m[4] };
    out += state.tag(tag, hooks);
  }
  return out;
}

/** Tracks dropped elements across the separate inline tokens of one document. */
export class SanitizeState {
  private dropStack: string[] = [];
  private open: string[] = [];

  get dropping(): boolean {
    return this.dropStack.length > 0;
  }

  tag(tag: Tag, hooks: SanitizeHooks): string {
    if (DROP_WITH_CONTENT.has(tag.name)) {
      if (tag.kind === 'open' && !tag.selfClosing && !VOID.has(tag.name)) this.dropStack.push(tag.name);
      else if (tag.kind === 'close') {
        const k = this.dropStack.lastIndexOf(tag.name);
        if (k >= 0) this.dropStack.length = k;
      }
      return '';
    }
    if (this.dropping) return '';
    const allowed = ALLOWED[tag.name];
    if (!allowed) return '';
    if (tag.kind === 'close') {
      if (VOID.has(tag.name)) return '';
      const k = this.open.lastIndexOf(tag.name);
      if (k < 0) return '';
      this.open.splice(k, 1);
      return `</${tag.name}>`;
    }
    let attrs = '';
    let imgMissing: string | null = null;
    for (const [rawName, rawValue] of tag.attrs) {
      const name = rawName.toLowerCase();
      if (!allowed.includes(name)) continue;
      let value = decodeEntities(rawValue);
      // Script-scheme text is kept in no attribute: not in a tooltip or alt text, not inside a link or image path.
      if ((name === 'alt' || name === 'title' || name === 'href' || name === 'src') && hasScriptScheme(value)) continue;
      if (name === 'href') {
        if (!isSafeLink(value)) continue;
        if (/^https?:/i.test(value.trim())) attrs += ' rel="noopener noreferrer"';
      } else if (name === 'src') {
        if (!isSafeImage(value)) continue;
        if (hooks.image && !/^data:/i.test(value.trim())) {
          const resolved = hooks.image(value.trim());
          if (resolved === null) {
            imgMissing = value;
            continue;
          }
          value = resolved;
        }
      } else if (name === 'width' || name === 'height') {
        if (!/^\d{1,5}(?:\.\d+)?(?:%|px)?$/.test(value.trim())) continue;
      } else if (name === 'colspan' || name === 'rowspan' || name === 'start') {
        if (!/^\d{1,4}$/.test(value.trim())) continue;
      } else if (name === 'open') {
        value = ''; // a boolean attribute: its value means nothing
      } else if (name === 'align') {
        if (!/^(left|right|center|justify)$/i.test(value.trim())) continue;
      }
      attrs += ` ${name}="${escapeHtml(value)}"`;
    }
    if (tag.name === 'img') {
      const rawAlt = decodeEntities(tag.attrs.find(([n]) => n.toLowerCase() === 'alt')?.[1] ?? '');
      const alt = hasScriptScheme(rawAlt) ? '' : rawAlt;
      if (imgMissing !== null) return missingImage(alt, imgMissing);
      // No src, or one that is refused (javascript:, data:text/html, …): the placeholder never repeats the address.
      if (!/\ssrc="/.test(attrs)) return missingImage(alt, '', tag.attrs.some(([n]) => n.toLowerCase() === 'src'));
      return `<img${attrs}>`;
    }
    if (VOID.has(tag.name) || tag.selfClosing) return `<${tag.name}${attrs}>`;
    this.open.push(tag.name);
    return `<${tag.name}${attrs}>`;
  }

  /** How many allowed elements are open (see closeTo). */
  get depth(): number {
    return this.open.length;
  }

  /** Closes the elements opened since `depth` was read: an inline `<a>` left open ends with its paragraph. */
  closeTo(depth: number): string {
    if (this.open.length <= depth) return '';
    const s = this.open.splice(depth).reverse().map((n) => `</${n}>`).join('');
    return s;
  }

  /**
   * Ends the elements being dropped. An element is dropped with its content only up to the end of the HTML block or
   * the paragraph (heading, table cell) it was opened in: a stray `<svg>` or `<title>` in a sentence hides the rest of
   * that sentence, never the rest of the note.
   */
  endDrop(): void {
    this.dropStack = [];
  }

  /** Closes what the note's HTML left open, so it cannot swallow the rest of the page. */
  closeAll(): string {
    const s = this.open.reverse().map((n) => `</${n}>`).join('');
    this.open = [];
    this.dropStack = [];
    return s;
  }
}

/** The placeholder for an image that is not shown: its alt text (or file name), never an <img>. */
export function missingImage(alt: string, src: string, refused = false): string {
  const label = alt || src.split('/').pop() || 'image';
  const title = refused ? 'Image not shown: its address is not allowed' : src ? `Image not found: ${src}` : 'Image not found';
  return `<span class="missing-image" role="img" aria-label="${escapeHtml(label)}" title="${escapeHtml(title)}">${escapeHtml(label)}</span>`;
}

function parseAttrs(s: string): [string, string][] {
  const out: [string, string][] = [];
  ATTR_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ATTR_RE.exec(s))) out.push([m[1], m[3] ?? m[4] ?? m[5] ?? '']);
  return out;
}
