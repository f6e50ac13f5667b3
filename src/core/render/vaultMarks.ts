import type MarkdownIt from 'markdown-it';
import { tagAt } from '../notes/vaultSyntax';

/**
 * The small inline marks of a vault: `#tags` (a span the panel can search for), `==highlights==` (`<mark>`), and
 * `^block-id` at the end of a paragraph or list item (hidden: it becomes the block's id, `^block-id`, so that
 * `[[Note#^block-id]]` can scroll to it).
 */
export function vaultMarksPlugin(md: MarkdownIt.MarkdownIt): void {
  md.inline.ruler.before('text', 'ml_notes_tag', (state, silent) => {
    if (state.src.charCodeAt(state.pos) !== 0x23 /* # */) return false;
    // A tag starts a line or follows white space (`a#b` and `&#35;` are not tags): tagAt checks the character before.
    const tag = tagAt(state.src, state.pos);
    if (!tag) return false;
    if (!silent) {
      const t = state.push('vault_tag', 'span', 0);
      t.content = tag.name;
    }
    state.pos = tag.end;
    return true;
  });
  md.renderer.rules.vault_tag = (tokens, idx) => `<span class="tag">#${md.utils.escapeHtml(tokens[idx].content)}</span>`;

  md.inline.ruler.before('emphasis', 'ml_notes_highlight', (state, silent) => {
    const src = state.src;
    const start = state.pos;
    if (src.charCodeAt(start) !== 0x3d || src.charCodeAt(start + 1) !== 0x3d || src.charCodeAt(start + 2) === 0x3d) return false;
    const close = src.indexOf('==', start + 2);
    if (close < 0 || close > state.posMax - 2) return false;
    const inner = src.slice(start + 2, close);
    // Like other emphasis: no white space just inside the marks, and a code span may not be cut in two.
    if (!inner || inner !== inner.trim() || (inner.split('`').length - 1) % 2 === 1) return false;
    if (!silent) {
      state.push('mark_open', 'mark', 1);
      const max = state.posMax;
      state.pos = start + 2;
      state.posMax = close;
      state.md.inline.tokenize(state);
      state.posMax = max;
      state.push('mark_close', 'mark', -1);
    }
    state.pos = close + 2;
    return true;
  });

  md.core.ruler.after('inline', 'ml_notes_block_ids', (state) => {
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length; i++) {
      const inline = tokens[i];
      if (inline.type !== 'inline' || !inline.children?.length) continue;
      const children = inline.children;
      const last = children[children.length - 1];
      if (last.type !== 'text' || tokens[i - 1]?.type === 'heading_open') continue;
      const m = /(^|[ \t])\^([A-Za-z0-9][A-Za-z0-9-]*)[ \t]*$/.exec(last.content);
      if (!m) continue;
      last.content = last.content.slice(0, m.index + m[1].length).replace(/[ \t]+$/, '');
      // A trailing soft break (the marker alone on the paragraph's last line) goes too.
      if (!last.content) {
        children.pop();
        while (children.length && children[children.length - 1].type === 'softbreak') children.pop();
      }
      // Embedded content keeps no ids: they belong to the embedded note, not to the page.
      if ((state.env as { embedded?: boolean }).embedded) continue;
      const id = `^${m[2]}`;
      const para = tokens[i - 1];
      if (para?.type === 'paragraph_open' && !para.hidden && !para.attrGet('id')) para.attrSet('id', id);
      else {
        // The paragraph of a tight list item (the item may carry a point's id): an empty anchor in front.
        const anchor = new state.Token('vault_anchor', 'span', 0);
        anchor.content = id;
        children.unshift(anchor);
      }
    }
  });
  md.renderer.rules.vault_anchor = (tokens, idx) => `<span class="block-anchor" id="${md.utils.escapeHtml(tokens[idx].content)}"></span>`;
}

