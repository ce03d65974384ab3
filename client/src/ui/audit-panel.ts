import type { Member } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { byId, el, keyedList } from './dom.js';
import { auditText } from './moderation-text.js';
import type { AuditView, Panel, UiState } from './ui-state.js';
import { failureText } from './notice-text.js';

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

const mayRead = (room: Room | undefined, chat: Chat): room is Room =>
  room?.kind === 'room' && chat.isStaff(room.name);

function load(ui: UiState, chat: Chat, target: AuditView): void {
  target.loading = true;
  byId('audit-error').textContent = '';
  ui.redraw();
  chat.moderation.readAudit(target.room).then(
    (result) => {
      if (ui.audit !== target) return;
      target.loading = false;
      if (typeof result === 'string') {
        byId('audit-error').textContent = result;
      } else {
        target.entries = result.entries;
        target.people = new Map(result.people.map((p) => [p.id, p]));
      }
      ui.redraw();
    },
    (err: unknown) => {
      if (ui.audit !== target) return;
      target.loading = false;
      byId('audit-error').textContent = failureText(err);
      ui.redraw();
    },
  );
}

/** Wires the toggle and Refresh; Escape closes the panel. */
function wireAudit(ui: UiState, chat: Chat): void {
  const toggle = byId('audit-toggle');
  toggle.addEventListener('click', () => {
    const room = chat.currentRoom;
    if (ui.audit) {
      ui.audit = undefined;
      ui.redraw();
      return;
    }
    if (!mayRead(room, chat)) return;
    ui.audit = { room: room.name, entries: undefined, people: new Map(), loading: false };
    load(ui, chat, ui.audit);
    byId('audit-panel').focus();
  });
  byId('audit-refresh').addEventListener('click', () => {
    if (ui.audit && !ui.audit.loading) load(ui, chat, ui.audit);
  });
  byId('audit-panel').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      ui.audit = undefined;
      ui.redraw();
      toggle.focus();
    }
  });
}

/**
 * "Audit log" in the room header, for those who run the room: the room's newest moderation
 * actions, fetched with `room:audit` on opening and on "Refresh", in words. The server names
 * the people in them, so those who have left (kicked, banned) are named too.
 */
export function createAuditPanel(ui: UiState, chat: Chat): Panel {
  wireAudit(ui, chat);
  const list = keyedList<{ at: number; text: string }>(byId('audit-list'), ({ at, text }) => {
    const when = new Date(at);
    return el(
      'li',
      { className: 'audit-entry', attrs: { 'data-testid': 'audit-entry' } },
      el('time', { text: timeFormat.format(when), attrs: { datetime: when.toISOString() } }),
      el('span', { text }),
    );
  });
  return {
    update() {
      const room = chat.currentRoom;
      const allowed = mayRead(room, chat);
      if (ui.audit && (!allowed || ui.audit.room !== room.name)) ui.audit = undefined;
      const view = ui.audit;
      const toggle = byId('audit-toggle', HTMLButtonElement);
      toggle.hidden = !allowed;
      toggle.setAttribute('aria-expanded', String(view !== undefined));
      byId('audit-panel').hidden = view === undefined;
      const entries = view?.entries ?? [];
      const people = view?.people ?? new Map<string, Member>();
      const nameOf = (id: string) => people.get(id)?.name ?? room?.presence.members.get(id)?.name;
      list.update(
        entries.map((entry, i) => ({
          key: `${String(entry.at)}-${String(entries.length - i)}`,
          values: { at: entry.at, text: auditText(entry, nameOf) },
        })),
      );
      byId('audit-empty').hidden = view?.entries === undefined || entries.length > 0;
      byId('audit-refresh', HTMLButtonElement).disabled = view?.loading === true;
    },
  };
}
