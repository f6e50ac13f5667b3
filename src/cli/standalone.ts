import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NoteDocument } from '../core/notes/types';
import { Renderer, type VaultContext } from '../core/render/renderer';
import { escapeHtml } from '../core/render/sanitize';

const MIME: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp' };
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Finds a file shipped next to the CLI (dist/…) or in the repository (media/…, node_modules/…). */
function asset(...candidates: string[]): string | undefined {
  for (const c of candidates) {
    const p = path.resolve(__dirname, c);
    if (fs.existsSync(p)) return p;
  }
  return undefined;
}

/**
 * A self-contained HTML page of one note: the same Renderer as the panel, figures and KaTeX (CSS + fonts) inlined;
 * links to other notes point at their files, relative to this one.
 */
export function renderStandalone(doc: NoteDocument, vault?: VaultContext): string {
  const dir = path.dirname(doc.id);
  const rendered = new Renderer().renderDocument(doc, {
    vault,
    image: (src) => {
      if (/^https?:/i.test(src)) return src;
      let p: string;
      try {
        p = path.resolve(dir, decodeURI(src.split(/[?#]/)[0]));
      } catch {
        return null;
      }
      const mime = MIME[path.extname(p).toLowerCase()];
      if (!mime || !fs.existsSync(p)) return null;
      const st = fs.statSync(p);
      if (!st.isFile() || st.size > MAX_IMAGE_BYTES) return null;
      return `data:${mime};base64,${fs.readFileSync(p).toString('base64')}`;
    },
  });
  const toc = rendered.headings.map((h) => `<li class="toc-l${h.level}"><a href="#${escapeHtml(encodeURIComponent(h.slug))}">${escapeHtml(h.title)}</a></li>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: https:; style-src 'unsafe-inline'; font-src data:;">
<title>${escapeHtml(doc.title)}</title>
<style>${katexCss()}</style>
<style>${STANDALONE_CSS}\n${panelCss()}</style>
</head>
<body class="standalone">
<header><h1 class="note-title">${escapeHtml(doc.title)}</h1></header>
<nav class="standalone-toc"><ul>${toc}</ul></nav>
<article class="note-content">
${rendered.html}
</article>
</body>
</html>
`;
}

function katexCss(): string {
  const cssPath = asset('katex/katex.min.css', '../dist/katex/katex.min.css', '../../../dist/katex/katex.min.css', '../../../node_modules/katex/dist/katex.min.css');
  if (!cssPath) return '';
  const fontDir = path.join(path.dirname(cssPath), 'fonts');
  return fs
    .readFileSync(cssPath, 'utf8')
    .replace(/src:url\(fonts\/([\w-]+)\.woff2\) format\("woff2"\)(?:,url\([^)]*\) format\("[^"]*"\))*/g, (_m, name: string) => {
      const font = path.join(fontDir, `${name}.woff2`);
      return fs.existsSync(font) ? `src:url(data:font/woff2;base64,${fs.readFileSync(font).toString('base64')}) format("woff2")` : _m;
    });
}

function panelCss(): string {
  const p = asset('../media/panel.css', '../../../media/panel.css');
  return p ? fs.readFileSync(p, 'utf8') : '';
}

/** The --vscode-* variables the panel stylesheet uses, with light and dark values for a browser. */
const STANDALONE_CSS = `
:root {
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "PingFang SC", sans-serif;
  --vscode-editor-font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace;
  --vscode-font-size: 14px;
  --vscode-foreground: #1f2328; --vscode-editor-background: #ffffff; --vscode-descriptionForeground: #59636e;
  --vscode-textLink-foreground: #0969da; --vscode-textLink-activeForeground: #0550ae;
  --vscode-textCodeBlock-background: #f6f8fa; --vscode-textBlockQuote-background: #f6f8fa; --vscode-textBlockQuote-border: #d0d7de;
  --vscode-panel-border: #d0d7de; --vscode-widget-border: #d0d7de; --vscode-errorForeground: #cf222e;
  --vscode-editor-findMatchHighlightBackground: #fff8c5;
}
@media (prefers-color-scheme: dark) {
  :root {
    --vscode-foreground: #e6edf3; --vscode-editor-background: #0d1117; --vscode-descriptionForeground: #9198a1;
    --vscode-textLink-foreground: #4493f8; --vscode-textLink-activeForeground: #79c0ff;
    --vscode-textCodeBlock-background: #161b22; --vscode-textBlockQuote-background: #161b22; --vscode-textBlockQuote-border: #3d444d;
    --vscode-panel-border: #3d444d; --vscode-widget-border: #3d444d; --vscode-errorForeground: #f85149;
    --vscode-editor-findMatchHighlightBackground: #bb800966;
  }
}
body.standalone { margin: 0 auto; max-width: 920px; padding: 24px; background: var(--vscode-editor-background); color: var(--vscode-foreground); font-family: var(--vscode-font-family); }
.standalone-toc ul { list-style: none; padding-left: 0; columns: 2; }
.standalone-toc .toc-l3 { padding-left: 1em; } .standalone-toc .toc-l4 { padding-left: 2em; }
`;
