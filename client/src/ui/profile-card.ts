import type { Member } from '../../../common/contract.js';
import { mentionToken } from '../../../common/mentions.js';
import { button, byId, el } from './dom.js';
import { avatarNode } from './format.js';
import type { UiState } from './ui-state.js';

/** What a member's profile card shows; its role is the row's. */
export interface ProfileValues {
  open: boolean;
  roleLabel: string | undefined;
}

const cardId = (member: Member): string => `profile-card-${member.id}`;

/** A member's name in the list: a button that opens and closes their profile card. */
export function profileToggle(member: Member, open: boolean, ui: UiState): HTMLButtonElement {
  return button(
    member.name,
    () => {
      ui.members.profile = open ? undefined : member.id;
      ui.members.focus = { id: member.id, selector: '.member-name' };
      ui.redraw();
    },
    {
      className: 'member-name profile-toggle',
      attrs: {
        'aria-expanded': String(open),
        ...(open ? { 'aria-controls': cardId(member) } : {}),
      },
    },
  );
}

/** Writes the token at the end of the message box's text and puts the focus there. */
function mentionInComposer(token: string): void {
  const input = byId('composer-input', HTMLTextAreaElement);
  if (input.disabled) return;
  const before = input.value;
  input.value = `${before}${before === '' || /\s$/.test(before) ? '' : ' '}${token} `;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

/**
 * Who a member is: their display name, their username (what mentions them; a guest has
 * none and is mentioned by name), and a button that writes the mention into the message box.
 */
export function profileCard(member: Member, v: ProfileValues, isSelf: boolean): HTMLElement[] {
  if (!v.open) return [];
  const token = mentionToken(member);
  const how =
    member.username !== undefined
      ? `@${member.username}`
      : token !== undefined
        ? `Guest, mentioned as ${token}`
        : 'Cannot be mentioned';
  return [
    el(
      'div',
      {
        className: 'profile-card',
        attrs: {
          id: cardId(member),
          role: 'group',
          'aria-label': `Profile of ${member.name}`,
          'data-testid': 'profile-card',
        },
      },
      avatarNode(member),
      el(
        'div',
        { className: 'profile-text' },
        el('p', { className: 'profile-name', text: member.name }),
        el('p', { className: 'profile-username', text: how }),
        ...(v.roleLabel === undefined
          ? []
          : [el('p', { className: 'profile-role', text: v.roleLabel })]),
      ),
      ...(token === undefined || isSelf
        ? []
        : [
            button(
              'Mention',
              () => {
                mentionInComposer(token);
              },
              { attrs: { 'aria-label': `Mention ${member.name}` } },
            ),
          ]),
    ),
  ];
}
