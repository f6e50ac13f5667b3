import type { CliIo } from './main';

export interface LintArgs {
  paths: string[];
  json: boolean;
  fix: boolean;
  rules: string[];
}

export async function runLint(_args: LintArgs, io: CliIo): Promise<number> {
  io.err('ml-notes lint: the Python analysis is not part of this build yet.');
  return 2;
}
