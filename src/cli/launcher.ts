/**
 * The `ml-notes` command (dist/cli.js): a few lines that let Node keep the CLI's compiled code between runs before
 * loading it (dist/cli-main.js). On Node 22.1 and later (`module.enableCompileCache`), V8's code for the 2.6 MB
 * bundle is written once to Node's compile cache (in the system's temporary folder, or `NODE_COMPILE_CACHE`; checked
 * against the file's contents and Node's version) and read back by the next runs instead of compiled again: a start-up
 * cost every `ml-notes lint` of a few files pays (pre-commit runs it per commit). On Node 20 nothing changes. Node
 * turns the cache off itself when it cannot write it (`NODE_DISABLE_COMPILE_CACHE=1` turns it off too).
 */
import * as nodeModule from 'node:module';

(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./cli-main.js') as typeof import('./main')).runCommandLine();
