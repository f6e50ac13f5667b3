import * as path from 'node:path';

/** The repository root, from the transpiled test location (out/test/unit). */
export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');
export const bundledNotesDir = path.join(repoRoot, 'notes');
