import * as vscode from 'vscode';
import type { NoteLibrary } from '../core/notes/library';
import type { NoteDocument, NotePoint, NoteSection } from '../core/notes/types';
import { t } from './l10n';
import { firstTextLine } from '../core/search/entries';
import { Disposable, KeyedDebouncer } from './dispose';
import { logFailure, type Log } from './log';

type Node =
  | { kind: 'file'; doc: NoteDocument }
  | { kind: 'section'; doc: NoteDocument; section: NoteSection }
  | { kind: 'point'; doc: NoteDocument; section: NoteSection; point: NotePoint };

export const EXPLORER_VIEW_ID = 'mlNotes.explorer';

/** The "ML Notes" view in the Explorer: note files → sections (nested by heading level) → points. */
export class NotesExplorer extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly emitter = this.register(new vscode.EventEmitter<Node | undefined>());
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(
    private readonly library: NoteLibrary,
    log: Log,
    /** Asks for every note now (the view lists them all). */
    private readonly wantAll: () => void,
  ) {
    super();
    const debouncer = this.register(new KeyedDebouncer((e) => logFailure(log, 'Refreshing the notes view', e)));
    // Many files change at once on a reload: refresh the tree once.
    this.register(library.onDidChange(() => debouncer.run('tree', 100, () => this.emitter.fire(undefined))));
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      this.wantAll();
      return this.library.documents().map((doc) => ({ kind: 'file', doc }));
    }
    if (node.kind === 'file') {
      const top = node.doc.sections.filter((s) => !s.parent);
      // A file whose only section is implicit shows its points directly.
      return top.map((section) => ({ kind: 'section', doc: node.doc, section }));
    }
    if (node.kind === 'section') {
      return [
        ...node.section.points.map((point): Node => ({ kind: 'point', doc: node.doc, section: node.section, point })),
        ...node.section.children.map((section): Node => ({ kind: 'section', doc: node.doc, section })),
      ];
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(node.doc.title, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = node.doc.id;
      item.resourceUri = vscode.Uri.parse(node.doc.id);
      item.description = this.library.info(node.doc.id)?.bundled ? t('bundled') : vscode.workspace.asRelativePath(vscode.Uri.parse(node.doc.id));
      item.iconPath = new vscode.ThemeIcon('book');
      item.contextValue = 'mlNotes.file';
      const names = [node.doc.id];
      if (node.doc.aliases.length) names.push(t('Also called: {0}', node.doc.aliases.join(', ')));
      const tags = [...new Set(node.doc.tags.map((x) => `#${x.name}`))];
      if (tags.length) names.push(tags.join(' '));
      item.tooltip = names.join('\n');
      // A click on a file expands it; sections and points open the panel.
      return item;
    }
    if (node.kind === 'section') {
      const hasChildren = node.section.points.length > 0 || node.section.children.length > 0;
      const item = new vscode.TreeItem(node.section.title, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
      item.id = `${node.doc.id}#${node.section.slug}`;
      item.iconPath = new vscode.ThemeIcon('symbol-string');
      item.tooltip = firstTextLine(node.section.body) || undefined;
      item.command = { command: 'mlNotes.openSection', title: t('Open in ML Notes'), arguments: [{ file: node.doc.id, slug: node.section.slug }] };
      return item;
    }
    const item = new vscode.TreeItem(node.point.summary || t('point {0}', node.point.index), vscode.TreeItemCollapsibleState.None);
    item.id = `${node.doc.id}#${node.point.id}`;
    item.iconPath = new vscode.ThemeIcon('circle-small-filled');
    item.tooltip = node.point.summary;
    item.command = { command: 'mlNotes.openSection', title: t('Open in ML Notes'), arguments: [{ file: node.doc.id, slug: node.section.slug, point: node.point.index }] };
    return item;
  }
}
