import type { CodeToken } from './termIndex';

export interface TokenAt {
  token: CodeToken;
  /** Offsets of the hovered identifier in the text. */
  start: number;
  end: number;
}

const MAX_SCAN = 4000;

/** A letter, digit or `_` (one UTF-16 unit); ASCII without a regular expression, as most code is. */
export function isIdentChar(c: string | undefined): boolean {
  if (c === undefined) return false;
  const code = c.charCodeAt(0);
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
  return IDENT_CHAR.test(c);
}

const IDENT_CHAR = /[\p{L}\p{N}_]/u;

/**
 * The identifier at `offset` with the dotted chain before it (`torch.nn.BatchNorm2d`) and, when it is a keyword
 * argument, the callee of the enclosing call (`nn.Conv2d(…, bias=True)`). Works on any text (Python, YAML).
 */
export function tokenAt(text: string, offset: number): TokenAt | undefined {
  if (offset < 0 || offset > text.length) return undefined;
  let start = offset;
  let end = offset;
  if (!isIdentChar(text[start]) && isIdentChar(text[start - 1])) start--, (end = start);
  if (!isIdentChar(text[start])) return undefined;
  while (start > 0 && isIdentChar(text[start - 1]) && offset - start < 256) start--;
  while (end < text.length && isIdentChar(text[end]) && end - offset < 256) end++;
  const name = text.slice(start, end);
  if (/^\d/.test(name)) return undefined;

  const chain = [name];
  let p = start;
  while (p > 0 && text[p - 1] === '.' && chain.length < 8) {
    let q = p - 1;
    while (q > 0 && isIdentChar(text[q - 1])) q--;
    if (q === p - 1) break;
    chain.unshift(text.slice(q, p - 1));
    p = q;
  }

  const token: CodeToken = { chain };
  if (chain.length === 1 && isKeywordArgument(text, end)) {
    const callee = enclosingCallee(text, start);
    if (callee) token.keywordOf = callee;
  }
  return { token, start, end };
}

function isKeywordArgument(text: string, end: number): boolean {
  let i = end;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return text[i] === '=' && text[i + 1] !== '=';
}

/** Scans back to the unclosed `(` before `from` and returns the dotted callee before it. */
function enclosingCallee(text: string, from: number): string[] | undefined {
  let depth = 0;
  const stop = Math.max(0, from - MAX_SCAN);
  for (let i = from - 1; i >= stop; i--) {
    const c = text[i];
    if (c === ')' || c === ']' || c === '}') depth++;
    else if (c === '[' || c === '{') {
      if (depth === 0) return undefined;
      depth--;
    } else if (c === '(') {
      if (depth > 0) {
        depth--;
        continue;
      }
      let e = i;
      while (e > 0 && (text[e - 1] === ' ' || text[e - 1] === '\t')) e--;
      const parts: string[] = [];
      let q = e;
      for (;;) {
        let s = q;
        while (s > 0 && isIdentChar(text[s - 1])) s--;
        if (s === q) break;
        parts.unshift(text.slice(s, q));
        if (s > 0 && text[s - 1] === '.') q = s - 1;
        else break;
      }
      return parts.length ? parts : undefined;
    }
  }
  return undefined;
}
