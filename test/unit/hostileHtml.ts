/**
 * An allowlist checker for the HTML the renderer produces, independent of the sanitiser: the output is parsed the way
 * a browser parses it (parse5, the HTML standard's tree construction) and every element and attribute is checked
 * against lists written here, not imported from src/. Used by the hostile-corpus and sanitiser property tests.
 */
import { parseFragment, type DefaultTreeAdapterMap } from 'parse5';

/** Elements the renderer may produce outside math: markdown-it's own output and the sanitiser's raw-HTML allowlist. */
const HTML_TAGS = new Set(
  'p div h1 h2 h3 h4 h5 h6 ul ol li blockquote pre code em strong s del a img hr br table thead tbody tfoot tr th td caption b i u mark small sub sup kbd details summary span'.split(
    ' ',
  ),
);

/** Attributes allowed outside math, per element; `*` applies to every element. */
const HTML_ATTRS: Record<string, readonly string[]> = {
  '*': ['id', 'class', 'data-line'],
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'width', 'height', 'title'],
  th: ['align', 'colspan', 'rowspan', 'style'],
  td: ['align', 'colspan', 'rowspan', 'style'],
  ol: ['start'],
  p: ['align'],
  details: ['open'],
  span: ['role', 'aria-label', 'title'],
};

/** KaTeX's output: HTML spans, SVG for stretchy glyphs and roots, and MathML for screen readers. */
const KATEX_TAGS = new Set([
  'span',
  'svg',
  'path',
  'line',
  'math',
  'semantics',
  'annotation',
  'mrow',
  'mi',
  'mn',
  'mo',
  'ms',
  'mtext',
  'mspace',
  'msup',
  'msub',
  'msubsup',
  'mfrac',
  'msqrt',
  'mroot',
  'mstyle',
  'mpadded',
  'mphantom',
  'mtable',
  'mtr',
  'mtd',
  'mlabeledtr',
  'mover',
  'munder',
  'munderover',
  'menclose',
  'mglyph',
]);

/** Classes of the elements KaTeX's output starts with. */
const KATEX_ROOTS = new Set(['katex', 'katex-display', 'katex-error', 'katex-block']);

/** CSS properties KaTeX writes in style attributes (sizes, offsets, colours); nothing that positions or loads. */
const KATEX_STYLE_PROPS = new Set([
  'height',
  'width',
  'min-width',
  'max-width',
  'vertical-align',
  'top',
  'bottom',
  'left',
  'right',
  'margin-left',
  'margin-right',
  'margin-top',
  'margin-bottom',
  'padding-left',
  'padding-right',
  'padding-top',
  'padding-bottom',
  'border-top-width',
  'border-bottom-width',
  'border-right-width',
  'border-left-width',
  'border-width',
  'margin',
  'text-shadow',
  'border-style',
  'border-color',
  'border-right-style',
  'border-bottom-style',
  'border-top-style',
  'border-left-style',
  'color',
  'background-color',
  'position',
  'font-size',
  'line-height',
]);

/** Attributes whose value a browser loads or navigates to, or runs. */
const URL_ATTRS = new Set([
  'href',
  'src',
  'srcset',
  'action',
  'formaction',
  'data',
  'poster',
  'background',
  'cite',
  'longdesc',
  'lowsrc',
  'dynsrc',
  'ping',
  'manifest',
  'codebase',
  'archive',
  'usemap',
  'profile',
  'icon',
  'xlink:href',
  'xmlns:xlink',
  'content',
  'http-equiv',
  'itemtype',
  'formtarget',
  'target',
]);

/**
 * A scheme that runs code or a VS Code command, written anywhere in a non-URL attribute (after control characters and
 * whitespace are removed). URL attributes are held to the stricter allowlist of isAllowedUrl.
 */
const DANGEROUS_SCHEME = /(?:java|vb|live)script:|command:|data:text\/html|vscode(?:-[a-z]+)?:|mocha:/i;


const SAFE_IMAGE_DATA = /^data:image\/(?:png|gif|jpe?g|webp|bmp|avif);base64,[a-z0-9+/=]*$/i;

export interface CheckResult {
  /** Constructs that could run code, load something unexpected or escape the allowlist: must be empty. */
  violations: string[];
  /**
   * Scheme text (e.g. `javascript:`) in the tooltip of a KaTeX error: KaTeX's message quotes the formula's source
   * (`\href{javascript:…}`); a title is shown, never loaded or run. Reported apart from violations.
   */
  inertSchemeText: string[];
  /** Elements seen, by name (for reporting). */
  elements: number;
}

interface P5Node {
  nodeName: string;
  tagName?: string;
  namespaceURI?: string;
  attrs?: { name: string; value: string; prefix?: string }[];
  childNodes?: P5Node[];
  content?: P5Node;
}

/** Strips what browsers ignore inside a URL or a scheme (control characters, whitespace). */
function squeeze(v: string): string {
  return v.replace(/[\u0000-\u0020\u007f-\u009f\u200b-\u200d\ufeff]/g, '');
}

/** http(s), protocol-relative, fragment, absolute or relative path (no scheme), or (images) a raster data: URL. */
export function isAllowedUrl(value: string, image: boolean): boolean {
  const v = squeeze(value);
  if (image && SAFE_IMAGE_DATA.test(v)) return true;
  if (/^https?:\/\//i.test(v)) return true;
  if (v.startsWith('//')) return true;
  if (v.startsWith('#')) return !image;
  // A scheme is letters/digits/+/-/. followed by ":" before any "/", "?" or "#".
  return !/^[^/?#]*:/.test(v);
}

/** Checks a style attribute value: `prop: value` pairs from an allowlist, no url(), expressions, imports or escapes. */
function styleProblems(style: string, props: ReadonlySet<string>): string[] {
  const out: string[] = [];
  if (/url\s*\(|expression|@import|\\|javascript|behavior|-moz-binding|image-set|attr\s*\(|var\s*\(/i.test(style)) out.push(`style with a loading or scripted value: ${JSON.stringify(style)}`);
  for (const decl of style.split(';')) {
    if (!decl.trim()) continue;
    const m = /^\s*([a-z-]+)\s*:\s*(.*)$/i.exec(decl);
    if (!m) {
      out.push(`style declaration that does not parse: ${JSON.stringify(decl)}`);
      continue;
    }
    const prop = m[1].toLowerCase();
    const value = m[2].trim().toLowerCase();
    if (!props.has(prop)) out.push(`style property ${prop} not allowed`);
    if (prop === 'position' && !/^(relative|static)$/.test(value)) out.push(`style position:${value}`);
    if (!/^[#a-z0-9.%\-+ ,()]*$/i.test(value)) out.push(`style value with unexpected characters: ${prop}:${value}`);
  }
  return out;
}

function classesOf(attrs: { name: string; value: string }[]): string[] {
  return (attrs.find((a) => a.name === 'class')?.value ?? '').split(/\s+/).filter(Boolean);
}

/** Parses rendered HTML like a browser would (as the content of a <div>) and checks it against the allowlist. */
export function checkRenderedHtml(html: string): CheckResult {
  const result: CheckResult = { violations: [], inertSchemeText: [], elements: 0 };
  const contextHost = parseFragment('<div></div>').childNodes[0] as DefaultTreeAdapterMap['element'];
  const fragment = parseFragment(contextHost, html, {}) as unknown as P5Node;
  const walk = (node: P5Node, path: string, inKatex: boolean, inKatexError: boolean) => {
    for (const child of node.childNodes ?? []) {
      if (child.nodeName === '#comment') {
        result.violations.push(`${path}: comment in the output`);
        continue;
      }
      if (child.nodeName === '#text' || child.nodeName === '#documentType') continue;
      result.elements++;
      const name = (child.tagName ?? child.nodeName).toLowerCase();
      const attrs = (child.attrs ?? []).map((a) => ({ name: (a.prefix ? `${a.prefix}:${a.name}` : a.name).toLowerCase(), value: a.value }));
      const classes = classesOf(attrs);
      const here = `${path}>${name}${classes.length ? '.' + classes.join('.') : ''}`;
      const katexError = inKatexError || classes.includes('katex-error');
      const ns = child.namespaceURI ?? '';
      const foreign = /svg|MathML/i.test(ns);
      // Where KaTeX's output starts: its spans, and the markdown-it plugin's display wrapper (p/span.katex-block).
      const katexRoot = !foreign && (name === 'span' || name === 'p') && classes.some((c) => KATEX_ROOTS.has(c)) && (name === 'span' || classes.includes('katex-block'));
      // Inside KaTeX's output, KaTeX's own elements follow the math rules; an allowlisted HTML element found there (a
      // <b> or <a> of the note's own HTML that the browser's parser re-opens inside a display-math block) follows the
      // HTML rules; anything else is a violation.
      let katex: boolean;
      if (katexRoot || (inKatex && KATEX_TAGS.has(name) && (foreign || name === 'span'))) katex = true;
      else if (!foreign && HTML_TAGS.has(name)) katex = false;
      else {
        result.violations.push(`${here}: element not allowed${inKatex ? ' in math' : ''}`);
        katex = inKatex;
      }

      for (const { name: attr, value } of attrs) {
        const where = `${here}[${attr}=${JSON.stringify(value.slice(0, 80))}]`;
        if (/^on/i.test(attr)) {
          result.violations.push(`${where}: event handler`);
          continue;
        }
        if (attr === 'style') {
          if (katex) result.violations.push(...styleProblems(value, KATEX_STYLE_PROPS).map((p) => `${where}: ${p}`));
          else if ((name === 'th' || name === 'td') && /^text-align:(left|right|center)$/.test(value)) {
            // markdown-it's own table alignment: a fixed value, never the note's text.
          } else result.violations.push(`${where}: style attribute outside KaTeX's output`);
          continue;
        }
        if (URL_ATTRS.has(attr)) {
          const okHere = !katex && ((name === 'a' && attr === 'href') || (name === 'img' && attr === 'src'));
          if (!okHere) result.violations.push(`${where}: URL attribute not allowed here`);
          else if (!isAllowedUrl(value, name === 'img')) result.violations.push(`${where}: URL not allowed`);
          continue;
        }
        if (!katex) {
          const allowed = HTML_ATTRS[name] ?? [];
          if (!allowed.includes(attr) && !HTML_ATTRS['*'].includes(attr)) result.violations.push(`${where}: attribute not allowed`);
        } else if (attr.includes(':') && attr !== 'xmlns:xlink') {
          result.violations.push(`${where}: namespaced attribute in math`);
        }
        if (DANGEROUS_SCHEME.test(squeeze(value))) {
          if (katexError && attr === 'title') result.inertSchemeText.push(where);
          else result.violations.push(`${where}: dangerous scheme in an attribute`);
        }
      }
      if (name === 'a' && attrs.some((a) => a.name === 'href' && /^\s*https?:/i.test(a.value)) && !attrs.some((a) => a.name === 'rel' && /noopener/.test(a.value))) {
        result.violations.push(`${here}: external link without rel=noopener`);
      }
      walk(child.content ?? child, here, inKatex || katexRoot, katexError);
    }
  };
  walk(fragment, '', false, false);
  return result;
}
