/**
 * Identifier splitting: snake_case, kebab-case, CamelCase, acronyms and digits.
 *   FPNHead → FPN, Head      lr_warmup_epochs → lr, warmup, epochs      BatchNorm2d → Batch, Norm, 2d
 *   bn1 → bn, 1              mIoU → m, Io, U                              conv3x3 → conv, 3x3
 */
export function splitIdentifier(name: string): string[] {
  const parts: string[] = [];
  for (const chunk of name.split(/[^\p{L}\p{N}]+/u)) {
    if (!chunk) continue;
    let cur = '';
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      const prev = chunk[i - 1];
      const next = chunk[i + 1];
      if (cur) {
        const boundary =
          (isLower(prev) && isUpper(c)) || // fooBar
          (isUpper(prev) && isUpper(c) && next !== undefined && isLower(next)) || // FPNHead
          (isLetter(prev) && isDigit(c)); // bn1, BatchNorm2d
        if (boundary) {
          parts.push(cur);
          cur = '';
        }
      }
      cur += c;
    }
    if (cur) parts.push(cur);
  }
  return parts;
}

/** The key a term or identifier part sequence is matched under: lower case, separators removed. */
export function joinKey(parts: readonly string[]): string {
  return parts.join('').toLowerCase();
}

/**
 * Every contiguous run of parts joined to a key, with how many parts it spans:
 * lr_warmup_epochs → lr, lrwarmup, lrwarmupepochs, warmup, warmupepochs, epochs.
 */
export function subJoins(parts: readonly string[], maxParts = 8): { key: string; start: number; count: number }[] {
  const out: { key: string; start: number; count: number }[] = [];
  const n = Math.min(parts.length, 16);
  for (let i = 0; i < n; i++) {
    let key = '';
    for (let j = i; j < n && j - i < maxParts; j++) {
      key += parts[j].toLowerCase();
      out.push({ key, start: i, count: j - i + 1 });
    }
  }
  return out;
}

function isUpper(c: string | undefined): boolean {
  return c !== undefined && c !== c.toLowerCase() && c === c.toUpperCase();
}
function isLower(c: string | undefined): boolean {
  return c !== undefined && c !== c.toUpperCase() && c === c.toLowerCase();
}
function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}
function isLetter(c: string | undefined): boolean {
  return isUpper(c) || isLower(c);
}
