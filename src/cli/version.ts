import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: string | undefined;

/** The package's version, from the package.json next to dist/ (installed) or at the repository's root. */
export function toolVersion(): string {
  if (cached) return cached;
  for (const up of ['..', '../..', '../../..']) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, up, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ml-notes' && pkg.version) return (cached = pkg.version);
    } catch {
      // not there: try the next folder up
    }
  }
  return (cached = '0.0.0');
}
