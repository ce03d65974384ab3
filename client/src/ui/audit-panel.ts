import type { AuditRecord, Member } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { byId, el, reconcile } from './dom.js';
import { auditText } from './moderation-text.js';

/**
 * "Audit log" in the room header, for those who run the room: the room's newest moderation
 * actions, fetched with `room:audit` on opening and on "Refresh", in words. The server names
 * the people in them, so those who have left (kicked, banned) are named too.
 */
interface AuditView {
  room: string;
  entries: AuditRecord[] | undefined;
  people: Map<string, Member>;
  loading: boolean;
}

let view: AuditView | undefined;
let rerender: () => void = () => undefined;

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

const mayRead = (room: Room | undefined, chat: Chat): room is Room =>
  room?.kind === 'room' && chat.isStaff(room.name);

export function renderAudit(room: Room | undefined, chat: Chat): void {
  const allowed = mayRead(room, chat);
  if (view && (!allowed || view.room !== room.name)) view = undefined;
  const toggle = byId('audit-toggle', HTMLButtonElement);
  toggle.hidden = !allowed;
  toggle.setAttribute('aria-expanded', String(view !== undefined));
  const panel = byId('audit-panel');
  panel.hidden = view === undefined;
  const list = byId('audit-list');
  const entries = view?.entries ?? [];
  const people = view?.people ?? new Map<string, Member>();
  const nameOf = (id: string) => people.get(id)?.name ?? room?.presence.members.get(id)?.name;
  reconcile(
    list,
    entries.map((entry, i) => ({ entry, text: auditText(entry, nameOf), i })),
    (e) => `${String(e.entry.at)}-${String(entries.length - e.i)}`,
    (e) => e.text,
    ({ entry, text }) => {
      const at = new Date(entry.at);
      return el(
        'li',
        { className: 'audit-entry', attrs: { 'data-testid': 'audit-entry' } },
        el('time', { text: timeFormat.format(at), attrs: { datetime: at.toISOString() } }),
        el('span', { text }),
      );
    },
  );
  byId('audit-empty').hidden = view?.entries === undefined || entries.length > 0;
  byId('audit-refresh', HTMLButtonElement).disabled = view?.loading === true;
}

function load(chat: Chat, target: AuditView): void {
  target.loading = true;
  byId('audit-error').textContent = '';
  rerender();
  chat.moderation.readAudit(target.room).then(
    (result) => {
      if (view !== target) return;
      target.loading = false;
      if (typeof result === 'string') {
        byId('audit-error').textContent = result;
      } else {
        target.entries = result.entries;
        target.people = new Map(result.people.map((p) => [p.id, p]));
      }
      rerender();
    },
    () => {
      if (view !== target) return;
      target.loading = false;
      byId('audit-error').textContent = 'Something went wrong; try again.';
      rerender();
    },
  );
}

/** Wires the toggle and Refresh; Escape closes the panel. */
export function wireAudit(chat: Chat, render: () => void): void {
  rerender = render;
  const toggle = byId('audit-toggle');
  toggle.addEventListener('click', () => {
    const room = chat.currentRoom;
    if (view) {
      view = undefined;
      render();
      return;
    }
    if (!mayRead(room, chat)) return;
    view = { room: room.name, entries: undefined, people: new Map(), loading: false };
    load(chat, view);
    byId('audit-panel').focus();
  });
  byId('audit-refresh').addEventListener('click', () => {
    if (view && !view.loading) load(chat, view);
  });
  byId('audit-panel').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      view = undefined;
      render();
      toggle.focus();
    }
  });
}
