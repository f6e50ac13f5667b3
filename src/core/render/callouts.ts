import type MarkdownIt from 'markdown-it';
import { CALLOUT_HEAD, calloutType, defaultCalloutTitle } from '../notes/vaultSyntax';

/**
 * Obsidian callouts: a block quote whose first line is `[!type]`, optionally folded (`-` closed, `+` open) and titled
 * (`> [!tip] Title`). The quote becomes `<div class="callout callout-<type>">` (a `<details>` when foldable) with a
 * title row and its content; the panel styles each type from the theme's colours. Types and aliases are Obsidian's;
 * an unknown type is shown like a note, titled with its name.
 */

export function calloutsPlugin(md: MarkdownIt.MarkdownIt): void {
  md.core.ruler.after('block', 'ml_notes_callouts', (state) => {
    const tokens = state.tokens;
    // From the end, so that tokens inserted for an outer quote do not shift the inner ones still to do.
    for (let i = tokens.length - 1; i >= 0; i--) {
      const open = tokens[i];
      if (open.type !== 'blockquote_open') continue;
      const para = tokens[i + 1];
      const inline = tokens[i + 2];
      if (para?.type !== 'paragraph_open' || inline?.type !== 'inline') continue;
      const nl = inline.content.indexOf('\n');
      const first = nl < 0 ? inline.content : inline.content.slice(0, nl);
      const m = CALLOUT_HEAD.exec(first.trim());
      if (!m) continue;
      const close = matchingClose(tokens, i);
      if (close < 0) continue;
      const written = m[1];
      const type = calloutType(written);
      const fold = m[2];
      const tag = fold ? 'details' : 'div';
      open.type = 'callout_open';
      open.tag = tag;
      open.attrJoin('class', `callout callout-${type}`);
      if (fold === '+') open.attrSet('open', '');
      tokens[close].type = 'callout_close';
      tokens[close].tag = tag;

      const title = new state.Token('callout_title_open', fold ? 'summary' : 'div', 1);
      title.attrSet('class', 'callout-title');
      title.block = true;
      const titleText = new state.Token('inline', '', 0);
      titleText.content = (m[3] ?? '').trim() || defaultCalloutTitle(written);
      titleText.map = inline.map;
      titleText.children = [];
      const titleClose = new state.Token('callout_title_close', fold ? 'summary' : 'div', -1);
      titleClose.block = true;
      const body = new state.Token('callout_content_open', 'div', 1);
      body.attrSet('class', 'callout-content');
      body.block = true;
      const bodyClose = new state.Token('callout_content_close', 'div', -1);
      bodyClose.block = true;

      // The first line is the head: the rest of that paragraph (if any) is content.
      const rest = nl < 0 ? '' : inline.content.slice(nl + 1);
      tokens.splice(close, 0, bodyClose);
      if (rest.trim()) {
        inline.content = rest;
        tokens.splice(i + 1, 0, title, titleText, titleClose, body);
      } else {
        // Drop the emptied paragraph (paragraph_open, inline, paragraph_close).
        tokens.splice(i + 1, 3, title, titleText, titleClose, body);
      }
    }
  });
}

/** Index of the blockquote_close that closes the blockquote_open at `open`. */
function matchingClose(tokens: MarkdownIt.Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.type === 'blockquote_open') depth++;
    else if (t.type === 'blockquote_close' && --depth === 0) return j;
  }
  return -1;
}
