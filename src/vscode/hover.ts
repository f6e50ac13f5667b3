import * as vscode from 'vscode';
import { excerptFigures, excerptOf, explainAt, focusOf, hoverWindow, type Explanation } from '../core/explain';
import type { Excerpt } from '../core/excerpt';
import { escapeMarkdown, hoverMarkdownText, type FigureState } from '../core/hoverMarkdown';
import type { NoteLibrary } from '../core/notes/library';
import type { ResolvedRef } from '../core/notes/library';
import type { Finding } from '../core/rules/types';
import { resolveNoteLink, type NotesService } from './notesService';
import { vaultToMarkdown } from '../core/notes/vaultMarkdown';
import { tokenAt } from '../core/terms/codeToken';
import { t } from './l10n';

/** Commands a hover may link to. Note text is user content: no other command link in it can run. */
export const HOVER_COMMANDS = ['mlNotes.openSection', 'mlNotes.lookUp'];

export class NotesHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly notes: NotesService,
    /** The ML Notes findings shown at a position (a finding's hover shows the note section that teaches it). */
    private readonly findingsAt: (uri: vscode.Uri, position: vscode.Position) => Finding[] = () => [],
  ) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const cfg = vscode.workspace.getConfiguration('mlNotes', document);
    if (!cfg.get<boolean>('hover.enabled', true)) return undefined;
    const askedAt = Date.now();
    // Terms are enough to know which notes the identifier means; those notes are read now if they are not yet.
    await this.notes.termsReady;
    const termsAt = Date.now();
    if (token.isCancellationRequested) return undefined;
    // A finding here shows the note its rule or check comes from, even where no term of the notes is.
    const findings = this.findingsAt(document.uri, position);
    let files = notesAtPosition(this.notes.library, document, position);
    if (!files.length || findings.some((f) => !f.noteRef.file)) {
      // Terms kept from the last session know no note here (one added since may still be on its way), or a finding
      // names its section only: wait for the notes to be read. A finding needs them now; a name no kept term knows does
      // not end the wait after a start from the kept index (pointing around the code would): its terms are what is
      // known until then.
      if (findings.some((f) => !f.noteRef.file)) await this.notes.wantAll();
      else if (!this.notes.resting) await this.notes.ready;
      if (token.isCancellationRequested) return undefined;
      files = notesAtPosition(this.notes.library, document, position);
      if (!files.length && !findings.length) return undefined;
    }
    await this.notes.ensureDocs([...files, ...findings.flatMap((f) => (f.noteRef.file ? [f.noteRef.file] : []))]);
    if (token.isCancellationRequested) return undefined;
    const maxLines = cfg.get<number>('hover.maxLines', 12);
    const parts: vscode.MarkdownString[] = [];
    // A finding here: the section its rule or check comes from, once per section.
    const shown = new Set<string>();
    const keyOf = (r: ResolvedRef) => `${r.doc.id}#${r.section.slug}/${r.point?.index ?? ''}`;
    for (const f of findings) {
      const r = this.notes.library.resolveRef(f.noteRef);
      if (!r || shown.has(keyOf(r))) continue;
      shown.add(keyOf(r));
      const excerpt = this.excerpt(r, maxLines);
      const figures = await figureStates(this.notes, r.doc.id, excerpt);
      parts.push(hoverMarkdown(r, [], undefined, excerpt, figures, t('{0}: the note it comes from', f.rule)));
    }
    const at = explainAtPosition(this.notes.library, document, position);
    if (at && !shown.has(keyOf(at.ex.best))) {
      const { ex, word } = at;
      const excerpt = this.excerpt(ex.best, maxLines, focusOf(ex, word));
      const figures = await figureStates(this.notes, ex.best.doc.id, excerpt);
      parts.push(hoverMarkdown(ex.best, ex.others, word, excerpt, figures));
    }
    if (token.isCancellationRequested || !parts.length) return undefined;
    this.notes.hoverAnswered(askedAt, termsAt);
    return new vscode.Hover(parts, at?.range);
  }

  /**
   * The part of a section's note about the hovered name, cut to the lines the user allows; vault syntax ([[links]],
   * embeds, callouts, tags) as Markdown the hover can show, links opening the panel.
   */
  private excerpt(r: ResolvedRef, maxLines: number, focus?: ReturnType<typeof focusOf>): Excerpt {
    const vault = (markdown: string) => vaultToMarkdown(markdown, r.doc, this.notes.library, (ref) => commandLink('mlNotes.openSection', [ref]));
    return excerptOf(r, maxLines, focus, vault);
  }
}

/** Each figure of a hover's excerpt by its source: missing (shown as its alt text, never as a broken image), or its size. */
export async function figureStates(notes: NotesService, noteId: string, excerpt: Excerpt): Promise<Map<string, FigureState>> {
  const sources = new Set(excerptFigures(excerpt).map((f) => f.src));
  const out = new Map<string, FigureState>();
  for (const src of sources) {
    if (/^(https?|data):/i.test(src)) continue;
    const uri = resolveNoteLink(noteId, src);
    out.set(src, uri ? await notes.figure(uri) : 'missing');
  }
  return out;
}

/** The text around a position that a hover reads (see hoverWindow), and where it starts in the document. */
function windowAt(document: vscode.TextDocument, position: vscode.Position): { text: string; base: number } {
  const { startLine, endLine } = hoverWindow(position.line, document.lineCount);
  const windowRange = new vscode.Range(startLine, 0, endLine, document.lineAt(endLine).text.length);
  return { text: document.getText(windowRange), base: document.offsetAt(windowRange.start) };
}

/** The note files the identifier at a position may mean, read or not yet (see NoteLibrary.setPending). */
export function notesAtPosition(library: NoteLibrary, document: vscode.TextDocument, position: vscode.Position): string[] {
  const { text, base } = windowAt(document, position);
  const at = tokenAt(text, document.offsetAt(position) - base);
  return at ? library.filesFor(at.token) : [];
}

/**
 * The notes the identifier at a position means. Only a window around it is read (the enclosing call of a keyword
 * argument lies within it): the cost does not grow with the file.
 */
export function explainAtPosition(library: NoteLibrary, document: vscode.TextDocument, position: vscode.Position): { ex: Explanation; range: vscode.Range; word: string } | undefined {
  const { text, base } = windowAt(document, position);
  const ex = explainAt(library, text, document.offsetAt(position) - base);
  if (!ex) return undefined;
  const range = new vscode.Range(document.positionAt(base + ex.start), document.positionAt(base + ex.end));
  return { ex, range, word: text.slice(ex.start, ex.end) };
}

export function commandLink(command: string, args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}

/**
 * The hover (the core's Markdown, with command links and codicons), trusted for ML Notes' own commands only. `word`:
 * the term hovered (for "Search notes"); `intro`: a first line (the finding the hover explains).
 */
export function hoverMarkdown(best: ResolvedRef, others: ResolvedRef[], word: string | undefined, excerpt: Excerpt, figures: ReadonlyMap<string, FigureState>, intro?: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', true);
  md.supportHtml = true;
  md.isTrusted = { enabledCommands: HOVER_COMMANDS };
  md.baseUri = vscode.Uri.joinPath(vscode.Uri.parse(best.doc.id), '..', '/');
  if (intro) md.appendMarkdown(`$(lightbulb) ${escapeMarkdown(intro)}\n\n`);
  md.appendMarkdown(
    hoverMarkdownText(best, others, word, excerpt, figures, {
      t,
      icons: true,
      sectionLink: (ref) => commandLink('mlNotes.openSection', [ref]),
      searchLink: word === undefined ? undefined : (w) => commandLink('mlNotes.lookUp', [w]),
    }),
  );
  return md;
}

export { escapeMarkdown };
