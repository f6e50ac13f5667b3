/**
 * The edit check of `npm run bench:corpus`: real files edited line by line, as in an editor, each version re-analysed
 * by a DocumentAnalyzer (which keeps what the edit cannot have changed: statements, scopes, per-statement facts,
 * findings of unchanged classes and functions) and compared with a fresh analysis of the same text, findings and
 * syntax tree. Versions with a syntax error are re-analysed but not compared (recovery may differ by design).
 */
import * as fs from 'node:fs';
import { analyze, DocumentAnalyzer, strictHost } from '../../src/core/rules/index';
import { parsePython } from '../../src/core/python/parse';

export interface EditCheck {
  edits: number;
  /** Versions that parse, compared with a fresh analysis. */
  compared: number;
  /** `file: edit n` where the findings differ. */
  findingsDiffer: string[];
  /** `file: edit n` where the syntax tree differs. */
  treesDiffer: string[];
  ms: number;
}

/** Deterministic: the same files give the same edits on every run. */
export function editCheck(files: readonly string[], shown: (file: string) => string, editsPerFile = 12): EditCheck {
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const out: EditCheck = { edits: 0, compared: 0, findingsDiffer: [], treesDiffer: [], ms: 0 };
  const t0 = process.hrtime.bigint();
  for (const file of files) {
    let text = fs.readFileSync(file, 'utf8');
    const doc = new DocumentAnalyzer(strictHost);
    doc.analyze(text);
    for (let k = 0; k < editsPerFile; k++) {
      text = edited(text, rnd);
      out.edits++;
      const findings = doc.analyze(text).findings;
      const fresh = parsePython(text);
      if (fresh.module.errors.length) continue;
      out.compared++;
      const where = `${shown(file)}: edit ${k + 1}`;
      if (JSON.stringify(findings) !== JSON.stringify(analyze(text))) out.findingsDiffer.push(where);
      if (JSON.stringify(doc.lastParse?.module) !== JSON.stringify(fresh.module)) out.treesDiffer.push(where);
    }
  }
  out.ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return out;
}

/** One edit of the kinds typing makes: a comment added, a line duplicated or deleted, a value or a layer changed, a helper pasted, a few lines cut. */
function edited(text: string, rnd: (n: number) => number): string {
  const lines = text.split('\n');
  const i = rnd(lines.length);
  switch (rnd(7)) {
    case 0:
      lines[i] += '  # edited';
      break;
    case 1:
      lines.splice(i, 0, lines[i]);
      break;
    case 2:
      lines.splice(i, 1);
      break;
    case 3:
      lines[i] = lines[i].replace(/\d/, '7').replace('True', 'False');
      break;
    case 4:
      lines[i] = lines[i].replace('bias=False', 'bias=True').replace('BatchNorm2d', 'Identity');
      break;
    case 5:
      lines.splice(i, 0, 'import torch.nn as nn', 'def conv3x3(a, b):', '    return nn.Conv2d(a, b, 3)');
      break;
    default:
      lines.splice(i, 1 + rnd(15));
  }
  return lines.join('\n');
}
