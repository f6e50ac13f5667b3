/**
 * bench/corpus/labels.json and held-out.json: the labelled findings of the development and held-out corpora (npm run
 * bench:corpus, with --held-out for the second). Labels only:
 * each one names a repository at its listed commit, a file, a line, a rule, a verdict and the reason read in the code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleIds } from '../../src/core/rules/index';
import { repoRoot } from './helpers';

function checkManifest(file: string, minRepos: number): void {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'bench', 'corpus', file), 'utf8')) as {
    repositories: { repo: string; commit: string }[];
    labels: { repo: string; commit: string; path: string; line: number; rule: string; verdict: boolean; reason: string }[];
  };
  const commits = new Map(manifest.repositories.map((r) => [r.repo, r.commit]));
  assert.ok(manifest.repositories.length >= minRepos);
  for (const r of manifest.repositories) assert.match(r.commit, /^[0-9a-f]{40}$/, r.repo);
  const keys = new Set<string>();
  for (const l of manifest.labels) {
    const where = `${l.repo}/${l.path}:${l.line}`;
    assert.equal(commits.get(l.repo), l.commit, `${where}: not the listed commit`);
    assert.ok(ruleIds.includes(l.rule), `${where}: unknown rule ${l.rule}`);
    assert.equal(typeof l.verdict, 'boolean', where);
    assert.ok(Number.isInteger(l.line) && l.line > 0, where);
    assert.ok(l.path.endsWith('.py') && !l.path.startsWith('/'), where);
    assert.ok(l.reason.trim().length >= 10, `${where}: give the reason read in the code`);
    const key = `${where} ${l.rule}`;
    assert.ok(!keys.has(key), `${key} labelled twice`);
    keys.add(key);
  }
}

test('every label of the development corpus names a listed repository at its commit, a known rule, a verdict and a reason', () => checkManifest('labels.json', 9));
test('every label of the held-out corpus names a listed repository at its commit, a known rule, a verdict and a reason', () => checkManifest('held-out.json', 7));
