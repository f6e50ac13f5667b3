import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { atxLevel, atxTextStart, listMarker } from '../../src/core/notes/blockMarks';
import fc from './fc';

/** The patterns the scanners stand for (see blockMarks.ts). */
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+|$)(.*)$/;
const LIST_ITEM = /^( {0,3})([-+*]|\d{1,9}[.)])([ \t]+|$)/;

/** Lines made of the characters these patterns look at, and a few they stop at. */
const line = fc
  .array(fc.constantFrom(' ', ' ', '\t', '#', '#', '-', '+', '*', '.', ')', '0', '1', '9', 'a', '语', '\u2028', '\u2029', '\r', '\u00a0'), { maxLength: 16 })
  .map((cs) => cs.join(''));

function atxModel(s: string): { level: number; text: string } | undefined {
  const m = ATX.exec(s);
  return m ? { level: m[1].length, text: m[2] } : undefined;
}

function atxScanned(s: string): { level: number; text: string } | undefined {
  const level = atxLevel(s);
  return level ? { level, text: s.slice(atxTextStart(s, level)) } : undefined;
}

function listModel(s: string): number[] | undefined {
  const m = LIST_ITEM.exec(s);
  return m ? [m[1].length, m[1].length + m[2].length, m[0].length] : undefined;
}

function listScanned(s: string): number[] | undefined {
  const out = new Int32Array(3);
  return listMarker(s, out) ? [...out] : undefined;
}

const EXAMPLES = ['# A', '###### six', '####### seven', '   # three spaces', '    # four', '#', '#\t', '#a', '## A ##', '# a\u2028b', '- a', '-', '-a', '1. a', '1)', '1234567890. ten', '123456789. nine', '   * x', '    * x', '+\t\tx', '0.'];

describe('block marks', () => {
  test('examples: ATX headings and list markers as the patterns read them', () => {
    for (const s of EXAMPLES) {
      assert.deepEqual(atxScanned(s), atxModel(s), JSON.stringify(s));
      assert.deepEqual(listScanned(s), listModel(s), JSON.stringify(s));
    }
  });

  test('ATX headings: the level and text the pattern captures', () => {
    fc.assert(fc.property(line, (s) => assert.deepEqual(atxScanned(s), atxModel(s))), { numRuns: 3000 });
  });

  test('list markers: the indentation, marker and blanks the pattern captures', () => {
    fc.assert(fc.property(line, (s) => assert.deepEqual(listScanned(s), listModel(s))), { numRuns: 3000 });
  });
});
