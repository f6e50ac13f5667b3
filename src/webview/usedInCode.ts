/**
 * "Used in code" in the panel: under each heading of the note, a folded list of the places in the workspace's code
 * where a hover shows that section. Built with DOM APIs from the host's message (text only, never HTML); a click
 * sends the place's id back, and the host opens it.
 */
import type { UsedInCodeMessage, WebviewMessage } from './protocol';

const CLASS = 'used-in-code';

export function renderUsedInCode(article: HTMLElement, m: UsedInCodeMessage, post: (m: WebviewMessage) => void): void {
  article.querySelectorAll(`.${CLASS}`).forEach((old) => old.remove());
  if (!Array.isArray(m.sections)) return;
  for (const section of m.sections) {
    if (!section || typeof section.slug !== 'string' || !Array.isArray(section.places) || !section.places.length) continue;
    const heading = headingOf(article, section.slug);
    if (!heading) continue;
    heading.after(block(section.places, section.more, m.strings, post));
  }
}

function headingOf(article: HTMLElement, slug: string): HTMLElement | undefined {
  const target = document.getElementById(slug);
  if (!target || !article.contains(target)) return undefined;
  // The id is on the heading itself, or on an anchor before the text of the file's own (implicit) section.
  return /^H[1-6]$/.test(target.tagName) ? target : undefined;
}

function block(places: UsedInCodeMessage['sections'][number]['places'], more: number, strings: UsedInCodeMessage['strings'], post: (m: WebviewMessage) => void): HTMLDetailsElement {
  const details = document.createElement('details');
  details.className = CLASS;
  const summary = document.createElement('summary');
  const total = places.length + (typeof more === 'number' ? more : 0);
  summary.textContent = `${strings.title} (${total})`;
  details.append(summary);
  const list = document.createElement('ul');
  for (const p of places) {
    if (!p || typeof p.id !== 'string') continue;
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'used-in-code-place';
    button.dataset.id = p.id;
    const where = `${p.file}:${p.line}`;
    button.title = fill(strings.open, p.file, String(p.line));
    const file = document.createElement('span');
    file.className = 'used-in-code-file';
    file.textContent = where;
    const code = document.createElement('code');
    code.textContent = p.text;
    button.append(file, code);
    if (typeof p.point === 'number') {
      const point = document.createElement('span');
      point.className = 'used-in-code-point';
      point.textContent = fill(strings.point, String(p.point));
      button.append(point);
    }
    item.append(button);
    list.append(item);
  }
  if (more > 0) {
    const rest = document.createElement('li');
    rest.className = 'used-in-code-more';
    rest.textContent = `+${more}`;
    list.append(rest);
  }
  details.append(list);
  details.addEventListener('click', (e) => {
    const button = (e.target as Element).closest?.('button.used-in-code-place');
    if (button instanceof HTMLElement && button.dataset.id) post({ type: 'openCode', id: button.dataset.id });
  });
  return details;
}

function fill(template: string, ...args: string[]): string {
  return String(template).replace(/\{(\d)\}/g, (_m, i: string) => args[Number(i)] ?? '');
}
