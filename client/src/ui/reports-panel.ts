import type { Report } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { plainText, renderMarkdown } from '../model/markdown.js';
import { reportedText, reporterName } from '../model/reports.js';
import { button, byId, el, keyedList } from './dom.js';
import { revealMessage } from './message-actions.js';
import type { Panel, ReportsState, UiState } from './ui-state.js';
import { failureText } from './notice-text.js';

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

const SINCE = { edited: 'Edited since.', deleted: 'Deleted since.' } as const;

/** What a report's entry shows. */
interface ReportValues {
  room: string;
  report: Report;
  /** Who reported it, if the page knows them. */
  name: string | undefined;
  message:
    | { kind: 'gone' | 'unknown' }
    | { kind: 'text'; author: string; text: string; since: 'edited' | 'deleted' | undefined };
  /** Who resolved it, for resolved reports. */
  resolvedBy: string | undefined;
  /** The message is in the timeline: "Show message" brings it into view. */
  showable: boolean;
  busy: boolean;
}

const nameIn = (userId: string, room: Room): string | undefined =>
  reporterName(
    userId,
    room.presence.members,
    room.timeline.items.flatMap((i) => (i.kind === 'message' ? [i.message] : [])),
  );

function reportValues(report: Report, room: Room, state: ReportsState): ReportValues {
  const held = room.timeline.get(report.messageId);
  const shown = reportedText(report, held, room.reports.reportedMessage(report.messageId));
  return {
    room: room.name,
    report,
    name: nameIn(report.by, room),
    message:
      shown.kind === 'text'
        ? {
            kind: 'text',
            author: shown.author,
            text: plainText(renderMarkdown(shown.text)),
            since: shown.since,
          }
        : { kind: shown.kind },
    resolvedBy: report.resolved
      ? (nameIn(report.resolved.by, room) ?? 'someone not seen here')
      : undefined,
    showable: held !== undefined && held.deleted !== true,
    busy: state.busy.has(report.id),
  };
}

function messageLine(v: ReportValues): HTMLElement {
  const shown = v.message;
  if (shown.kind === 'gone') {
    return el('p', { className: 'report-message gone', text: 'The message is gone.' });
  }
  if (shown.kind !== 'text') {
    return el('p', {
      className: 'report-message gone',
      text: 'The message is older than what this page has loaded.',
    });
  }
  const quote = el(
    'blockquote',
    { className: 'report-message' },
    el('span', { className: 'quote-author', text: shown.author }),
    el('span', { className: 'report-text', text: shown.text }),
  );
  if (shown.since)
    quote.append(el('span', { className: 'report-since', text: SINCE[shown.since] }));
  return quote;
}

/** "Resolved by mona, 3 May, 14:02" under a resolved report. */
function resolutionLine(v: ReportValues): HTMLElement[] {
  if (!v.report.resolved || v.resolvedBy === undefined) return [];
  const at = new Date(v.report.resolved.at);
  return [
    el(
      'p',
      { className: 'report-resolution' },
      document.createTextNode(`Resolved by ${v.resolvedBy}, `),
      el('time', { text: timeFormat.format(at), attrs: { datetime: at.toISOString() } }),
    ),
  ];
}

function entryNode(v: ReportValues, resolve: (v: ReportValues) => void): HTMLElement {
  const { report } = v;
  const at = new Date(report.at);
  const actions = el('div', { className: 'report-actions' });
  if (v.showable) {
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
    const action = button(
      v.busy ? 'Resolving…' : 'Resolve',
      () => {
        resolve(v);
      },
      { className: 'link-button strong act-resolve' },
    );
    action.disabled = v.busy;
    actions.append(action);
  }
  return el(
    'li',
    {
      className: 'report',
      attrs: { 'data-testid': 'report', 'aria-label': `Report by ${v.name ?? 'someone'}` },
    },
    el(
      'p',
      { className: 'report-head' },
      el('strong', { className: 'report-by', text: v.name ?? 'Someone not seen here' }),
      document.createTextNode(' reported '),
      el('time', { text: timeFormat.format(at), attrs: { datetime: at.toISOString() } }),
    ),
    el(
      'p',
      { className: 'report-reason' },
      el('span', { className: 'visually-hidden', text: 'Reason: ' }),
      document.createTextNode(report.reason),
    ),
    messageLine(v),
    ...resolutionLine(v),
    actions,
  );
}

function resolveReport(ui: UiState, chat: Chat, v: ReportValues): void {
  const state = ui.reports;
  const { report } = v;
  if (state.busy.has(report.id)) return;
  const list = chat.rooms.get(v.room)?.reports.list() ?? [];
  const index = list.findIndex((r) => r.id === report.id);
  const next = list[index + 1] ?? list[index - 1];
  state.busy.add(report.id);
  byId('reports-error').textContent = '';
  ui.redraw();
  const settle = (error: string | undefined) => {
    state.busy.delete(report.id);
    if (error === undefined) {
      // The entry goes: focus moves on to the next one, or to the list when none is left.
      state.focus = next ? { report: next.id } : 'panel';
    } else {
      byId('reports-error').textContent = error;
      state.focus = { report: report.id };
    }
    ui.redraw();
  };
  chat.reports.resolveReport(v.room, report.id).then(settle, (err: unknown) => {
    settle(failureText(err));
  });
}

/** Wires the control: it opens and closes the list (Escape closes it too). */
function wireReports(ui: UiState, chat: Chat): void {
  const state = ui.reports;
  const toggle = byId('reports-toggle', HTMLButtonElement);
  const fetchView = (room: string) => {
    // Brought up to date on opening, in case a live event was missed.
    const fetched =
      state.view === 'open'
        ? chat.reports.refreshReports(room)
        : chat.reports.loadResolvedReports(room);
    fetched.then(
      (error) => {
        if (error !== undefined) byId('reports-error').textContent = error;
      },
      (err: unknown) => {
        byId('reports-error').textContent = failureText(err);
      },
    );
  };
  toggle.addEventListener('click', () => {
    const room = chat.current;
    if (room === undefined) return;
    state.open = state.open === room ? undefined : room;
    state.view = 'open';
    byId('reports-error').textContent = '';
    if (state.open !== undefined) fetchView(room);
    ui.redraw();
  });
  for (const view of ['open', 'resolved'] as const) {
    byId(`reports-view-${view}`).addEventListener('click', () => {
      if (state.open === undefined || state.view === view) return;
      state.view = view;
      byId('reports-error').textContent = '';
      fetchView(state.open);
      ui.redraw();
    });
  }
  byId('reports-panel').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      state.open = undefined;
      state.focus = 'toggle';
      ui.redraw();
    }
  });
}

/** Puts focus where the last action asked for it. */
function restoreFocus(state: ReportsState, list: HTMLElement): void {
  const focus = state.focus;
  state.focus = undefined;
  if (focus === 'toggle') byId('reports-toggle').focus();
  else if (focus === 'panel') byId('reports-panel').focus();
  else if (focus) {
    list
      .querySelector<HTMLElement>(`[data-key="${CSS.escape(focus.report)}"] .act-resolve`)
      ?.focus();
  }
}

/**
 * The "Reports" control of the room header, for those who run the room: a count of its open
 * reports, kept current by the chat, and a list that opens under the header, of the open
 * reports or of the resolved ones.
 */
export function createReportsPanel(ui: UiState, chat: Chat): Panel {
  const state = ui.reports;
  wireReports(ui, chat);
  const listNode = byId('reports-list');
  const entries = keyedList<ReportValues>(listNode, (v) =>
    entryNode(v, (target) => {
      resolveReport(ui, chat, target);
    }),
  );
  const update = () => {
    const room = chat.currentRoom;
    const toggle = byId('reports-toggle', HTMLButtonElement);
    const staff = room !== undefined && room.kind === 'room' && chat.isStaff(room.name);
    if (!staff || state.open !== room.name) state.open = undefined;
    toggle.hidden = !staff;
    const count = staff ? room.reports.count : 0;
    const counter = byId('reports-count');
    if (counter.textContent !== String(count)) counter.textContent = String(count);
    counter.classList.toggle('none', count === 0);
    toggle.setAttribute('aria-expanded', String(state.open !== undefined));
    byId('reports-panel').hidden = state.open === undefined;
    for (const view of ['open', 'resolved'] as const) {
      byId(`reports-view-${view}`).setAttribute('aria-pressed', String(state.view === view));
    }
    if (!staff || state.open === undefined) {
      entries.update([]);
    } else {
      const shown = state.view === 'open' ? room.reports.list() : room.reports.resolvedReports();
      entries.update(
        (shown ?? []).map((r) => ({ key: r.id, values: reportValues(r, room, state) })),
      );
      const loaded = state.view === 'open' ? room.reports.loaded : shown !== undefined;
      const empty = byId('reports-empty');
      empty.hidden = (shown?.length ?? 0) > 0 || !loaded;
      empty.textContent = state.view === 'open' ? 'No open reports.' : 'No resolved reports.';
    }
    restoreFocus(state, listNode);
  };
  return { update };
}
