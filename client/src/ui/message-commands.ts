import type { Message } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import type { UiState } from './ui-state.js';
import { failureText } from './notice-text.js';
import { linkTo } from '../model/links.js';

/** What the reporter is told once the report is filed. */
export const REPORTED_NOTE = 'Reported. The people who run this room will look at it.';

/** The message the composer in `room` answers, if any. */
export function replyingTo(ui: UiState, room: string | undefined): Message | undefined {
  return ui.messages.reply?.room === room ? ui.messages.reply?.message : undefined;
}

export function cancelReply(ui: UiState): void {
  ui.messages.reply = undefined;
  ui.redraw();
}

/** Opens the editor on message `id` with `text`, focused: what Edit and Up-arrow both do. */
export function startEditing(ui: UiState, id: string, text: string): void {
  ui.messages.confirming = undefined;
  ui.messages.editing = { id, draft: text, saving: false };
  ui.messages.focus = { id, selector: '.msg-editor textarea' };
  ui.redraw();
}

/** What a message's buttons do: each changes the UiState or calls the chat, then redraws. */
export type MessageCommands = ReturnType<typeof createMessageCommands>;

// eslint-disable-next-line max-lines-per-function -- a factory of small closures (a message's commands), each well under the limit
export function createMessageCommands(ui: UiState, chat: Chat) {
  const state = ui.messages;
  /** Redraws, then moves focus to `selector` within message `id` (its row itself with ''). */
  const update = (id: string, selector: string) => {
    state.focus = { id, selector };
    ui.redraw();
  };
  /**
   * Sends a change and shows the error it resolves with under the message; `done` hears how
   * it ended before the page is redrawn.
   */
  const run = (
    id: string,
    change: Promise<string | undefined>,
    done?: (error: string | undefined) => void,
  ) => {
    state.errors.delete(id);
    const settle = (error: string | undefined) => {
      if (error !== undefined) state.errors.set(id, error);
      done?.(error);
      ui.redraw();
    };
    change.then(settle, (err: unknown) => {
      settle(failureText(err));
    });
  };
  return {
    maxTextLength: ui.maxTextLength,
    editDraft: (): string | undefined => state.editing?.draft,
    reportDraft: (): string | undefined => state.reporting?.draft,
    reply(room: string, message: Message): void {
      state.reply = { room, message };
      ui.redraw();
      document.getElementById('composer-input')?.focus();
    },
    togglePicker(id: string): void {
      state.picking = state.picking === id ? undefined : id;
      update(id, state.picking ? '.reaction-picker .pick' : '.act-react');
    },
    closePicker(id: string): void {
      state.picking = undefined;
      update(id, '.act-react');
    },
    pick(room: string, id: string, emoji: string): void {
      state.picking = undefined;
      run(id, chat.toggleReaction(room, id, emoji));
      update(id, '.act-react');
    },
    toggleReaction(room: string, id: string, emoji: string): void {
      run(id, chat.toggleReaction(room, id, emoji));
    },
    startEdit(id: string, text: string): void {
      startEditing(ui, id, text);
    },
    keepEditDraft(id: string, draft: string): void {
      if (state.editing?.id === id) state.editing.draft = draft;
    },
    cancelEdit(id: string): void {
      state.editing = undefined;
      state.errors.delete(id);
      update(id, '.act-edit');
    },
    saveEdit(room: string, id: string, original: string, draft: string): void {
      if (draft.trim() === original) {
        this.cancelEdit(id);
        return;
      }
      if (draft.trim() === '') {
        state.errors.set(id, 'A message cannot be empty: delete it instead.');
        update(id, '.msg-editor textarea');
        return;
      }
      state.editing = { id, draft, saving: true };
      run(id, chat.edit(room, id, draft), (error) => {
        if (state.editing?.id !== id) return;
        if (error === undefined) {
          state.editing = undefined;
          state.focus = { id, selector: '.act-edit' };
        } else {
          // The editor stays open with the draft, to try again.
          state.editing.saving = false;
          state.focus = { id, selector: '.msg-editor textarea' };
        }
      });
      ui.redraw();
    },
    askDelete(id: string): void {
      state.editing = undefined;
      state.confirming = id;
      update(id, '.cancel-delete');
    },
    cancelDelete(id: string): void {
      state.confirming = undefined;
      update(id, '.act-delete');
    },
    confirmDelete(room: string, id: string): void {
      state.confirming = undefined;
      // The row becomes a tombstone without buttons: focus goes to the row itself.
      run(id, chat.deleteMessage(room, id), (error) => {
        state.focus = { id, selector: error === undefined ? '' : '.act-delete' };
      });
      update(id, '');
    },
    toggleReport(id: string): void {
      const open = state.reporting?.id === id;
      state.reporting = open ? undefined : { id, draft: '', sending: false };
      state.errors.delete(id);
      update(id, open ? '.act-report' : '.msg-report input');
    },
    keepReportDraft(id: string, draft: string): void {
      if (state.reporting?.id === id) state.reporting.draft = draft;
    },
    cancelReport(id: string): void {
      state.reporting = undefined;
      state.errors.delete(id);
      update(id, '.act-report');
    },
    sendReport(room: string, id: string, draft: string): void {
      if (state.reporting?.id !== id || state.reporting.sending) return;
      const reason = draft.trim();
      if (reason === '') {
        state.errors.set(id, 'Say why, in a few words.');
        update(id, '.msg-report input');
        return;
      }
      state.reporting = { id, draft, sending: true };
      state.notes.delete(id);
      run(id, chat.reports.reportMessage(room, id, reason), (error) => {
        if (state.reporting?.id !== id) return;
        if (error === undefined) {
          state.reporting = undefined;
          state.notes.set(id, REPORTED_NOTE);
          state.focus = { id, selector: '.act-report' };
        } else {
          state.reporting.sending = false;
          state.focus = { id, selector: '.msg-report input' };
        }
      });
      ui.redraw();
    },
    /** Puts a link to the message on the clipboard, and shows it (to copy by hand if refused). */
    copyLink(room: string, id: string): void {
      const link = linkTo(location.href, { room, message: id });
      const say = (note: string) => {
        state.notes.set(id, note);
        update(id, '.act-link');
      };
      // The clipboard is there on secure pages only (HTTPS, localhost).
      const copied = window.isSecureContext
        ? navigator.clipboard.writeText(link)
        : Promise.reject(new Error('no clipboard'));
      copied.then(
        () => {
          say(`Link copied: ${link}`);
        },
        () => {
          say(`Copy this link: ${link}`);
        },
      );
    },
    retry(clientId: string): void {
      chat.retry(clientId);
    },
    discard(clientId: string): void {
      chat.discard(clientId);
    },
  };
}
