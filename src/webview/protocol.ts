/**
 * Messages between the extension host and the ML Notes panel (src/webview/main.ts). The host validates every
 * message it receives with `parseWebviewMessage`; the webview trusts only the host.
 */

export interface TocEntry {
  slug: string;
  title: string;
  level: number;
}

export interface NoteFileEntry {
  id: string;
  label: string;
}

/** A place in another note that links to or embeds the shown note ("Linked from"). */
export interface BacklinkEntry {
  docId: string;
  /** Where to open it: the section slug or point id (`slug/N`) holding the link. */
  target?: string;
  /** "Note › Section" of the linking place. */
  title: string;
  /** The link's line as plain text. */
  context: string;
  /** An embed rather than a link. */
  embed: boolean;
}

export interface SearchResultEntry {
  docId: string;
  slug: string;
  point?: number;
  title: string;
  breadcrumb: string;
  detail: string;
}

/** Host → webview */
export type HostMessage =
  | {
      type: 'show';
      docId: string;
      title: string;
      /** Sanitised HTML of the whole note (heading ids = slugs, points have id `slug/N`). */
      html: string;
      toc: TocEntry[];
      files: NoteFileEntry[];
      /** Notes and sections that link to or embed this note. */
      backlinks: BacklinkEntry[];
      /** Element to scroll to and highlight briefly: a slug or a point id (`slug/N`). */
      reveal?: string;
      /** Keep the current scroll position (the note was re-rendered after a change). */
      preserveScroll?: boolean;
      canGoBack: boolean;
      canGoForward: boolean;
      /** Localised UI strings. */
      strings: PanelStrings;
    }
  | { type: 'reveal'; target: string }
  | { type: 'searchResults'; query: string; results: SearchResultEntry[] }
  | { type: 'focusSearch' }
  | { type: 'empty'; message: string; strings: PanelStrings }
  /** The notes for the picker, when one was added, removed or retitled while the panel shows another. */
  | { type: 'files'; files: NoteFileEntry[] }
  | UsedInCodeMessage;

/** "Used in code": the places in the workspace's code where a hover shows each section of the note shown. */
export interface UsedInCodeMessage {
  type: 'usedInCode';
  docId: string;
  sections: UsedInCodeSection[];
  strings: { title: string; point: string; open: string };
}

export interface UsedInCodeSection {
  slug: string;
  places: UsedInCodePlace[];
  /** Places beyond those listed (a section used very widely lists the first ones). */
  more: number;
}

export interface UsedInCodePlace {
  /** Opaque id the host knows the place by (`openCode` sends it back). */
  id: string;
  /** Workspace-relative path, with the notebook cell when in one. */
  file: string;
  /** 1-based. */
  line: number;
  text: string;
  point?: number;
}

export interface PanelStrings {
  back: string;
  forward: string;
  search: string;
  openSource: string;
  contents: string;
  noResults: string;
  notes: string;
  /** Heading of the backlinks list, and what it says when there are none. */
  linkedFrom: string;
  noBacklinks: string;
  /** Label of an embed in that list. */
  embeds: string;
}

/** Webview → host */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'navigate'; docId: string; target?: string }
  | { type: 'openLink'; href: string }
  | { type: 'openSource'; line?: number; target?: string }
  | { type: 'back' }
  | { type: 'forward' }
  | { type: 'search'; query: string }
  | { type: 'scrolled'; target: string }
  | { type: 'openCode'; id: string }
  /** The panel got the keyboard focus. */
  | { type: 'focused' };

const MAX_STRING = 4096;

function str(v: unknown, max = MAX_STRING): v is string {
  return typeof v === 'string' && v.length <= max;
}

/** Checks the shape of a message from the webview; anything else is dropped. */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'back':
    case 'forward':
    case 'focused':
      return { type: m.type };
    case 'navigate':
      if (!str(m.docId) || (m.target !== undefined && !str(m.target, 512))) return undefined;
      return { type: 'navigate', docId: m.docId, target: m.target as string | undefined };
    case 'openLink':
      return str(m.href) ? { type: 'openLink', href: m.href } : undefined;
    case 'openSource': {
      const line = m.line;
      if (line !== undefined && !(typeof line === 'number' && Number.isInteger(line) && line >= 0 && line < 10_000_000)) return undefined;
      if (m.target !== undefined && !str(m.target, 512)) return undefined;
      return { type: 'openSource', line: line as number | undefined, target: m.target as string | undefined };
    }
    case 'search':
      return str(m.query, 512) ? { type: 'search', query: m.query } : undefined;
    case 'scrolled':
      return str(m.target, 512) ? { type: 'scrolled', target: m.target } : undefined;
    case 'openCode':
      return str(m.id, 64) ? { type: 'openCode', id: m.id } : undefined;
    default:
      return undefined;
  }
}

/** What the webview persists with `vscode.setState` (restored after a window reload by the serializer). */
export interface PanelState {
  docId: string;
  target?: string;
}

export function parsePanelState(raw: unknown): PanelState | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const s = raw as Record<string, unknown>;
  if (!str(s.docId)) return undefined;
  return { docId: s.docId, target: str(s.target, 512) ? s.target : undefined };
}
