import type { Member } from '../../../common/contract.js';
import type { Role } from '../../../common/roles.js';
import type { Chat } from '../model/chat.js';
import { button, byId, el, keyedList } from './dom.js';
import { avatarNode } from './format.js';
import {
  createMemberCommands,
  memberModeration,
  moderationValues,
  type MemberCommands,
  type ModerationValues,
} from './member-actions.js';
import type { Panel, UiState } from './ui-state.js';
import { failureText } from './notice-text.js';
import { profileCard, profileToggle } from './profile-card.js';

/** What a member's entry shows. */
interface MemberValues {
  member: Member;
  isSelf: boolean;
  /** "Message" is offered: not in a conversation with this member alone, where it is. */
  offerMessage: boolean;
  role: Role;
  moderation: ModerationValues | undefined;
  profileOpen: boolean;
}

const ROLE_LABELS = { operator: 'operator', owner: 'owner', moderator: 'moderator' } as const;

/** "operator", "owner" or "moderator" beside a name; nothing for members. */
function roleBadge(role: Role): HTMLElement[] {
  if (role === 'member') return [];
  return [el('span', { className: `role-badge ${role}`, text: ROLE_LABELS[role] })];
}

/** "@alice1" beside a name, what mentions that member; nothing for a guest, who has none. */
function usernameNode(member: Member): HTMLElement[] {
  if (member.username === undefined) return [];
  return [el('span', { className: 'member-username', text: `@${member.username}` })];
}

/**
 * Starts (or goes to) a direct conversation with a member. Its word comes from the style
 * sheet, so the entry's text stays the member's name; the label says whom it writes to.
 */
function messageButton(member: Member, chat: Chat): HTMLButtonElement {
  const error = byId('member-error');
  return button(
    '',
    () => {
      error.textContent = '';
      chat.openDirect([member.id]).then(
        (problem) => {
          error.textContent = problem ?? '';
        },
        () => {
          error.textContent = 'Could not open the conversation; try again.';
        },
      );
    },
    {
      className: 'member-message',
      attrs: { 'aria-label': `Message ${member.name}`, title: `Message ${member.name}` },
    },
  );
}

/**
 * A member's entry: name (which opens their profile card), username, role, "Message", and
 * for those the user outranks, "Moderate" with its tools below.
 */
function memberNode(v: MemberValues, chat: Chat, ui: UiState, act: MemberCommands): HTMLElement {
  const { member } = v;
  const moderation = memberModeration(member.id, v.moderation, act);
  return el(
    'li',
    { className: 'member', attrs: { 'data-testid': 'member' } },
    avatarNode(member),
    profileToggle(member, v.profileOpen, ui),
    ...usernameNode(member),
    ...roleBadge(v.role),
    v.isSelf
      ? el('span', { className: 'you', text: '(you)' })
      : el(
          'span',
          { className: 'member-buttons' },
          ...(v.offerMessage ? [messageButton(member, chat)] : []),
          ...moderation.toggle,
        ),
    ...profileCard(
      member,
      { open: v.profileOpen, roleLabel: v.role === 'member' ? undefined : ROLE_LABELS[v.role] },
      v.isSelf,
    ),
    ...moderation.below,
  );
}

/** Bans seen in the room in view that have not ended, with Unban for those the user may lift. */
function createBannedList(chat: Chat): Panel {
  const title = byId('banned-title');
  const list = keyedList<{ room: string; member: Member }>(byId('banned-list'), (v) =>
    el(
      'li',
      { className: 'member', attrs: { 'data-testid': 'banned' } },
      el('span', { className: 'member-name', text: v.member.name }),
      button(
        'Unban',
        () => {
          chat.moderation.unban(v.room, v.member.id).then(
            (problem) => {
              byId('member-error').textContent = problem ?? '';
            },
            (err: unknown) => {
              byId('member-error').textContent = failureText(err);
            },
          );
        },
        { className: 'link-button', attrs: { 'aria-label': `Unban ${v.member.name}` } },
      ),
    ),
  );
  return {
    update() {
      const room = chat.currentRoom;
      const now = Date.now();
      const bans =
        room === undefined || chat.roleIn(room.name) === 'member'
          ? []
          : [...room.banned.values()].filter((b) => b.until === undefined || b.until > now);
      title.hidden = bans.length === 0;
      list.update(
        bans.map(({ member }) => ({
          key: member.id,
          values: { room: room?.name ?? '', member },
        })),
      );
    },
  };
}

/** Runs after every render: puts focus where the member list's last action asked for it. */
export function restoreMemberFocus(ui: UiState): void {
  const focus = ui.members.focus;
  ui.members.focus = undefined;
  if (!focus) return;
  document
    .querySelector<HTMLElement>(`#member-list > [data-key="${CSS.escape(focus.id)}"]`)
    ?.querySelector<HTMLElement>(focus.selector)
    ?.focus();
}

/** The members of the room in view, by name, and the bans that have not ended. */
export function createMemberPanel(ui: UiState, chat: Chat): Panel {
  const act = createMemberCommands(ui, chat);
  const members = keyedList<MemberValues>(byId('member-list'), (v) => memberNode(v, chat, ui, act));
  const banned = createBannedList(chat);
  return {
    update() {
      banned.update();
      const room = chat.currentRoom;
      const shown = room
        ? [...room.presence.members.values()].sort((a, b) => a.name.localeCompare(b.name))
        : [];
      // In a conversation of two, the other person is the one the user is writing to.
      const withOneOther = room?.kind === 'direct' && room.participants.length <= 2;
      members.update(
        shown.map((member) => ({
          key: member.id,
          values: {
            member,
            isSelf: member.id === chat.self?.id,
            offerMessage: !withOneOther,
            role: room?.roleOf(member.id) ?? 'member',
            moderation: room ? moderationValues(member, room, chat, ui) : undefined,
            profileOpen: ui.members.profile === member.id,
          },
        })),
      );
    },
  };
}
