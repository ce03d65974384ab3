import type { Report } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { button, byId, el, reconcile } from './dom.js';
import { plainText, renderMarkdown } from '../model/markdown.js';
import { revealMessage } from './message-actions.js';
import { reportedText, reporterName } from '../model/reports.js';

/**
 * The "Reports" control of the room header, for those who run the room: a count of its open
 * reports, kept current by the chat, and a list that opens under the header, of the open
 * reports or of the resolved ones. What the page does here (which room's list is open, which
 * reports are being resolved, where focus goes next) lives in this module, as
 * message-actions.ts keeps it for messages.
 */
const state = {
  /** The room whose list is open. */
  open: undefined as string | undefined,
  /** Which reports the list shows. */
  view: 'open' as 'open' | 'resolved',
  busy: new Set<string>(),
  /** What to focus after the next render. */
  focus: undefined as { report: string } | 'toggle' | 'panel' | undefined,
};

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

const SINCE = { edited: 'Edited since.', deleted: 'Deleted since.' } as const;

function messageLine(report: Report, room: Room): { node: HTMLElement; sig: string } {
  const held = room.timeline.get(report.messageId);
  const shown = reportedText(report, held, room.reports.reportedMessage(report.messageId));
  if (shown.kind === 'gone') {
    return {
      node: el('p', { className: 'report-message gone', text: 'The message is gone.' }),
      sig: 'gone',
    };
  }
  if (shown.kind === 'unknown') {
    return {
      node: el('p', {
        className: 'report-message gone',
        text: 'The message is older than what this page has loaded.',
      }),
      sig: 'unknown',
    };
  }
  const text = plainText(renderMarkdown(shown.text));
  const quote = el(
    'blockquote',
    { className: 'report-message' },
    el('span', { className: 'quote-author', text: shown.author }),
    el('span', { className: 'report-text', text }),
  );
  if (shown.since)
    quote.append(el('span', { className: 'report-since', text: SINCE[shown.since] }));
  return { node: quote, sig: `text:${shown.author}:${text}:${shown.since ?? ''}` };
}

/** "Resolved by mona, 3 May, 14:02" under a resolved report. */
function resolutionLine(
  report: Report,
  room: Room,
): { node: HTMLElement | undefined; sig: string } {
  if (!report.resolved) return { node: undefined, sig: '' };
  const by = nameIn(report.resolved.by, room) ?? 'someone not seen here';
  const at = new Date(report.resolved.at);
  return {
    node: el(
      'p',
      { className: 'report-resolution' },
      document.createTextNode(`Resolved by ${by}, `),
      el('time', { text: timeFormat.format(at), attrs: { datetime: at.toISOString() } }),
    ),
    sig: `${by}:${report.resolved.at}`,
  };
}

const nameIn = (userId: string, room: Room): string | undefined =>
  reporterName(
    userId,
    room.presence.members,
    room.timeline.items.flatMap((i) => (i.kind === 'message' ? [i.message] : [])),
  );

function entry(report: Report, room: Room, chat: Chat): { node: () => HTMLElement; sig: string } {
  const name = nameIn(report.by, room);
  const line = messageLine(report, room);
  const resolution = resolutionLine(report, room);
  const held = room.timeline.get(report.messageId);
  const showable = held !== undefined && held.deleted !== true;
  const busy = state.busy.has(report.id);
  const sig = [name ?? '', line.sig, resolution.sig, showable, busy].join('|');
  const node = () => {
    const at = new Date(report.at);
    const actions = el('div', { className: 'report-actions' });
    if (showable) {
      actions.append(
        button(
          'Show message',
          () => {
            revealMessage(report.messageId);
          },
          { className: 'link-button act-show' },
        ),
      );
    }
    if (!report.resolved) {
      const resolve = button(
        busy ? 'Resolving…' : 'Resolve',
        () => {
          resolveReport(report, room, chat);
        },
        { className: 'link-button strong act-resolve' },
      );
      resolve.disabled = busy;
      actions.append(resolve);
    }
    return el(
      'li',
      {
        className: 'report',
        attrs: { 'data-testid': 'report', 'aria-label': `Report by ${name ?? 'someone'}` },
      },
      el(
        'p',
        { className: 'report-head' },
        el('strong', { className: 'report-by', text: name ?? 'Someone not seen here' }),
        document.createTextNode(' reported '),
        el('time', { text: timeFormat.format(at), attrs: { datetime: at.toISOString() } }),
      ),
      el(
        'p',
        { className: 'report-reason' },
        el('span', { className: 'visually-hidden', text: 'Reason: ' }),
        document.createTextNode(report.reason),
      ),
      line.node,
      ...(resolution.node ? [resolution.node] : []),
      actions,
    );
  };
  return { node, sig };
}

let rerender: () => void = () => undefined;

function resolveReport(report: Report, room: Room, chat: Chat): void {
  if (state.busy.has(report.id)) return;
  const list = room.reports.list();
  const index = list.findIndex((r) => r.id === report.id);
  const next = list[index + 1] ?? list[index - 1];
  state.busy.add(report.id);
  byId('reports-error').textContent = '';
  rerender();
  const settle = (error: string | undefined) => {
    state.busy.delete(report.id);
    if (error === undefined) {
      // The entry goes: focus moves on to the next one, or to the list when none is left.
      state.focus = next ? { report: next.id } : 'panel';
    } else {
      byId('reports-error').textContent = error;
      state.focus = { report: report.id };
    }
    rerender();
  };
  chat.reports.resolveReport(room.name, report.id).then(settle, () => {
    settle('Something went wrong; try again.');
  });
}

/** Shows the control to those who run the room, its count, and the list while open. */
export function renderReports(room: Room | undefined, chat: Chat): void {
  const toggle = byId('reports-toggle', HTMLButtonElement);
  const panel = byId('reports-panel');
  const staff = room !== undefined && room.kind === 'room' && chat.isStaff(room.name);
  if (!staff || state.open !== room.name) state.open = undefined;
  toggle.hidden = !staff;
  const count = staff ? room.reports.count : 0;
  const counter = byId('reports-count');
  if (counter.textContent !== String(count)) counter.textContent = String(count);
  counter.classList.toggle('none', count === 0);
  toggle.setAttribute('aria-expanded', String(state.open !== undefined));
  panel.hidden = state.open === undefined;
  const list = byId('reports-list');
  for (const view of ['open', 'resolved'] as const) {
    byId(`reports-view-${view}`).setAttribute('aria-pressed', String(state.view === view));
  }
  if (!staff || state.open === undefined) {
    list.replaceChildren();
  } else {
    const shown = state.view === 'open' ? room.reports.list() : room.reports.resolvedReports();
    const entries = (shown ?? []).map((r) => ({ report: r, ...entry(r, room, chat) }));
    reconcile(
      list,
      entries,
      (e) => e.report.id,
      (e) => e.sig,
      (e) => e.node(),
    );
    const loaded = state.view === 'open' ? room.reports.loaded : shown !== undefined;
    const empty = byId('reports-empty');
    empty.hidden = entries.length > 0 || !loaded;
    empty.textContent = state.view === 'open' ? 'No open reports.' : 'No resolved reports.';
  }
  const focus = state.focus;
  state.focus = undefined;
  if (focus === 'toggle') toggle.focus();
  else if (focus === 'panel') panel.focus();
  else if (focus) {
    list
      .querySelector<HTMLElement>(`[data-key="${CSS.escape(focus.report)}"] .act-resolve`)
      ?.focus();
  }
}

/** Wires the control: it opens and closes the list (Escape closes it too). */
export function wireReports(chat: Chat, render: () => void): void {
  rerender = render;
  const toggle = byId('reports-toggle', HTMLButtonElement);
  const fetchView = (room: string) => {
    // Brought up to date on opening, in case a live event was missed.
    const fetched =
      state.view === 'open'
        ? chat.reports.refreshReports(room)
        : chat.reports.loadResolvedReports(room);
    void fetched.then((error) => {
      if (error !== undefined) byId('reports-error').textContent = error;
    });
  };
  toggle.addEventListener('click', () => {
    const room = chat.current;
    if (room === undefined) return;
    state.open = state.open === room ? undefined : room;
    state.view = 'open';
    byId('reports-error').textContent = '';
    if (state.open !== undefined) fetchView(room);
    render();
  });
  for (const view of ['open', 'resolved'] as const) {
    byId(`reports-view-${view}`).addEventListener('click', () => {
      if (state.open === undefined || state.view === view) return;
      state.view = view;
      byId('reports-error').textContent = '';
      fetchView(state.open);
      render();
    });
  }
  byId('reports-panel').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      state.open = undefined;
      state.focus = 'toggle';
      render();
    }
  });
}
