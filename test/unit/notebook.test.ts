import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellEdit, cellPosition, joinCells } from '../../src/core/notebook';

const at = (line: number, character: number) => ({ line, character });

test('a position of the joined program is found in its cell, a dedented line that many columns further right', () => {
  // Cell 0 is plain; cell 1 was pasted with its indentation (4 spaces), which the program takes off.
  const joined = joinCells(['import torch.nn as nn', '    head = nn.Sequential(\n        nn.Conv2d(8, 8, 3),\n    )']);
  assert.equal(joined.text.split('\n')[2], '    nn.Conv2d(8, 8, 3),');
  assert.deepEqual(cellPosition(joined, 0, 7), { cell: 0, line: 0, character: 7 });
  assert.deepEqual(cellPosition(joined, 2, 4), { cell: 1, line: 1, character: 8 });
});

test('an edit goes into its cell; one spanning cells, or putting lines into a dedented cell, does not', () => {
  const joined = joinCells(['x = nn.Conv2d(8, 8, 3)', '    y = nn.Conv2d(8, 8, 3)']);
  const conv = { start: at(0, 4), end: at(0, 22) };
  assert.deepEqual(cellEdit(joined, conv, 'nn.Conv2d(8, 8, 3, bias=False)'), { cell: 0, range: conv });
  assert.deepEqual(cellEdit(joined, conv, 'nn.Sequential(\n  conv)'), { cell: 0, range: conv }, 'lines into a plain cell');
  assert.deepEqual(cellEdit(joined, { start: at(1, 4), end: at(1, 22) }, 'bias=False'), { cell: 1, range: { start: at(0, 8), end: at(0, 26) } });
  assert.equal(cellEdit(joined, { start: at(1, 4), end: at(1, 22) }, 'a\nb'), undefined, 'lines into the dedented cell would lack its indentation');
  assert.equal(cellEdit(joined, { start: at(0, 0), end: at(1, 2) }, ''), undefined, 'an edit across cells');
});
