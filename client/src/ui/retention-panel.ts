import { Limits, type RoomInfo } from '../../../common/contract.js';
import { atLeast } from '../../../common/roles.js';
import type { Chat, Room } from '../model/chat.js';
import { byId } from './dom.js';
import { failureText, retentionText } from './notice-text.js';
import type { HeaderState, Panel, UiState } from './ui-state.js';

/**
 * How long the room keeps its messages, in the room's header for everyone, and "Keep
 * messages…" for its owner and the operators: forever (as long as the server keeps them) or
 * a number of days, sent as `room:update`; the room's `moderation` event brings the new info.
 */

/** Owners and operators set the retention (moderators may not: it forgets for everyone). */
const mayKeep = (room: Room | undefined, chat: Chat): room is Room =>
  room?.kind === 'room' && atLeast(chat.roleIn(room.name), 'owner');

/** The room's own retention, in days, or null when it has none (the server's applies). */
const ownDays = (info: RoomInfo | undefined): number | null =>
  info?.retention?.by === 'room' ? info.retention.days : null;

/**
 * The choice without a number of days: the server's retention when the info shows it (the
 * room has none shorter of its own), "Forever" otherwise. A room's own retention hides the
 * server's: with one, "Forever" is as long as the server keeps them, which the room's line
 * and notice then say.
 */
function foreverLabel(info: RoomInfo | undefined): string {
  const retention = info?.retention;
  if (retention?.by !== 'server') return 'Forever';
  return `As long as the server keeps them (${retention.days} ${retention.days === 1 ? 'day' : 'days'})`;
}

const DAYS_RULE = `Enter a whole number of days, from 1 to ${Limits.retentionDaysMax}.`;

/** The days typed, or undefined when they are not a whole number in range. */
function daysOf(typed: string): number | undefined {
  if (!/^\d+$/.test(typed.trim())) return undefined;
  const days = Number(typed.trim());
  return days >= 1 && days <= Limits.retentionDaysMax ? days : undefined;
}

function render(state: HeaderState, chat: Chat): void {
  const room = chat.currentRoom;
  const line = byId('room-retention');
  const text = retentionText(room?.info?.retention) ?? '';
  if (line.textContent !== text) line.textContent = text;
  line.hidden = text === '';
  const allowed = mayKeep(room, chat);
  if (state.retention && (!allowed || state.retention.room !== room.name)) close(state);
  const open = state.retention;
  const toggle = byId('edit-retention', HTMLButtonElement);
  toggle.hidden = !allowed || open !== undefined;
  toggle.setAttribute('aria-expanded', String(open !== undefined));
  byId('retention-form').hidden = open === undefined;
  if (!open) return;
  const forever = foreverLabel(room?.info);
  const label = byId('retention-forever-label');
  if (label.textContent !== forever) label.textContent = forever;
  byId('retention-save', HTMLButtonElement).disabled = open.saving;
  byId('retention-days', HTMLInputElement).readOnly = open.saving;
}

function close(state: HeaderState): void {
  state.retention = undefined;
  byId('retention-error').textContent = '';
}

/** Opens the form with the room's setting chosen. */
function open(state: HeaderState, room: Room): void {
  state.retention = { room: room.name, saving: false };
  const days = ownDays(room.info);
  byId('retention-forever', HTMLInputElement).checked = days === null;
  byId('retention-limited', HTMLInputElement).checked = days !== null;
  byId('retention-days', HTMLInputElement).value = days === null ? '' : String(days);
  byId('retention-error').textContent = '';
}

/** The retention chosen in the form: days, null for none of the room's own, or undefined when invalid. */
function chosen(): number | null | undefined {
  if (byId('retention-forever', HTMLInputElement).checked) return null;
  return daysOf(byId('retention-days', HTMLInputElement).value);
}

/** Focus on the choice made: "Forever", or the days. */
function focusChoice(): void {
  const forever = byId('retention-forever', HTMLInputElement);
  (forever.checked ? forever : byId('retention-days')).focus();
}

function wire(ui: UiState, chat: Chat): void {
  const state = ui.header;
  const toggle = byId('edit-retention', HTMLButtonElement);
  const form = byId('retention-form', HTMLFormElement);
  const input = byId('retention-days', HTMLInputElement);
  const error = byId('retention-error');
  const back = () => {
    close(state);
    ui.redraw();
    toggle.focus();
  };
  toggle.addEventListener('click', () => {
    const room = chat.currentRoom;
    if (!mayKeep(room, chat)) return;
    open(state, room);
    ui.redraw();
    focusChoice();
  });
  // Typing a number of days chooses it.
  input.addEventListener('input', () => {
    byId('retention-limited', HTMLInputElement).checked = true;
  });
  byId('retention-cancel').addEventListener('click', back);
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      back();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const target = state.retention;
    if (!target || target.saving) return;
    const days = chosen();
    if (days === undefined) {
      error.textContent = DAYS_RULE;
      input.focus();
      return;
    }
    if (days === ownDays(chat.rooms.get(target.room)?.info)) {
      back();
      return;
    }
    target.saving = true;
    error.textContent = '';
    ui.redraw();
    const settle = (problem: string | undefined) => {
      if (state.retention !== target) return;
      target.saving = false;
      if (problem === undefined) {
        back();
        return;
      }
      error.textContent = problem;
      ui.redraw();
      focusChoice();
    };
    chat.moderation.setRetention(target.room, days).then(settle, (err: unknown) => {
      settle(failureText(err));
    });
  });
}

/** The room's retention line, and its owner's "Keep messages…" form. */
export function createRetentionPanel(ui: UiState, chat: Chat): Panel {
  byId('retention-days', HTMLInputElement).max = String(Limits.retentionDaysMax);
  wire(ui, chat);
  return {
    update() {
      render(ui.header, chat);
    },
  };
}
