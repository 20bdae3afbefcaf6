import { html, type Html } from './html.js';

// What a page shows in one fact or table cell: text, a link, or a moment in the org's time zone.
// The same value goes into the server-rendered HTML and into the live JSON the page polls, and
// /ui/assets/diagram.js renders it the same way (always as text, never as markup).

export type Cell =
  string | { text: string; href: string; testid?: string } | { text: string; datetime: string };

/** "2025-03-04 11:05:09 GMT-3": the instant as the org's wall clock, with its offset. */
function formatInZone(instant: Date | string, timeZone: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

/** A moment, or a dash when there is none. */
export function timeCell(instant: Date | string | null | undefined, timeZone: string): Cell {
  if (instant === null || instant === undefined || instant === '') return '—';
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) return typeof instant === 'string' ? instant : '—';
  return { text: formatInZone(date, timeZone), datetime: date.toISOString() };
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Any value a run reports about itself: instants in the org's time zone, the rest as text. */
export function valueCell(value: unknown, timeZone: string): Cell {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return ISO_INSTANT.test(value) ? timeCell(value, timeZone) : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function cellHtml(cell: Cell): Html {
  if (typeof cell === 'string') return html`${cell}`;
  if ('href' in cell)
    return html`<a href="${cell.href}"${cell.testid ? html` data-testid="${cell.testid}"` : ''}>${cell.text}</a>`;
  return html`<time datetime="${cell.datetime}">${cell.text}</time>`;
}
