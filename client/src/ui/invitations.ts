import type { Invitation } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import { button, byId, el, keyedList } from './dom.js';
import type { Panel } from './ui-state.js';

/** One pending invitation: who invited the user where, with Join and Decline. */
function invitationItem(invitation: Invitation, chat: Chat): HTMLElement {
  const { room } = invitation;
  const label = `Invitation to #${room}`;
  const join = button(
    'Join',
    () => {
      void chat.acceptInvitation(room);
    },
    { attrs: { 'aria-label': `Join #${room}` } },
  );
  const decline = button(
    'Decline',
    () => {
      chat.declineInvitation(room).catch(() => undefined);
    },
    { attrs: { 'aria-label': `Decline the invitation to #${room}` } },
  );
  return el(
    'li',
    { className: 'invitation', attrs: { 'data-room': room, 'aria-label': label } },
    el('span', { text: `${invitation.by.name} invites you to #${room}` }),
    el('div', { className: 'invitation-actions' }, join, decline),
  );
}

/** The sidebar's pending invitations, shown while there are any. */
export function createInvitations(chat: Chat): Panel {
  const list = keyedList<Invitation>(byId('invitation-list'), (i) => invitationItem(i, chat));
  return {
    update() {
      byId('invitations').hidden = chat.invitations.length === 0;
      list.update(chat.invitations.map((i) => ({ key: i.room, values: i })));
    },
  };
}
