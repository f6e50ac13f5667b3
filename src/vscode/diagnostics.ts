import * as vscode from 'vscode';

/**
 * Shows a file's diagnostics in a collection, unless they are the ones it shows already. Every set tells VS Code the
 * file's problems changed; VS Code then asks for the code actions there again, and that request replaces one the user
 * made meanwhile (Ctrl+.), whose menu never shows. Analyses run again with nothing changed often (a note saved, a
 * project module read, the notes' checks loaded), so an unchanged list is left alone.
 */
export function showDiagnostics(collection: vscode.DiagnosticCollection, uri: vscode.Uri, next: readonly vscode.Diagnostic[]): void {
  if (!sameDiagnostics(collection.get(uri), next)) collection.set(uri, next);
}

/** Shows the diagnostics of every file listed, and none on the files the collection listed before and these do not. */
export function showAllDiagnostics(collection: vscode.DiagnosticCollection, byFile: ReadonlyMap<string, readonly vscode.Diagnostic[]>): void {
  const gone: vscode.Uri[] = [];
  collection.forEach((uri) => {
    if (!byFile.has(uri.toString())) gone.push(uri);
  });
  for (const uri of gone) collection.delete(uri);
  for (const [file, list] of byFile) showDiagnostics(collection, vscode.Uri.parse(file), list);
}

function sameDiagnostics(shown: readonly vscode.Diagnostic[] | undefined, next: readonly vscode.Diagnostic[]): boolean {
  if (!shown) return next.length === 0;
  return shown.length === next.length && shown.every((d, i) => keyOf(d) === keyOf(next[i]!));
}

function keyOf(d: vscode.Diagnostic): string {
  const code = typeof d.code === 'object' ? `${d.code.value}|${d.code.target.toString()}` : String(d.code);
  const r = d.range;
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}|${d.severity}|${d.source}|${code}|${d.message}`;
}
