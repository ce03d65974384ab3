import type { AuditRecord, Member, Message } from '../../../common/contract.js';

/**
 * What the page is doing, besides what the chat holds: which editor, form or list is open,
 * what waits for an answer, what to focus next. No other tab or device cares, so it is not
 * the model's; `main.ts` makes one UiState and hands it to every panel, which reads and
 * changes its part and asks for a redraw.
 */
export interface UiState {
  /** Longest message text the server accepts (`SessionInfo.maxTextLength`). */
  readonly maxTextLength: number;
  readonly messages: MessageActionState;
  readonly members: MemberActionState;
  readonly reports: ReportsState;
  readonly invite: InviteState;
  readonly header: HeaderState;
  /** The audit list while open. */
  audit: AuditView | undefined;
  /** The room in view and the newest of its messages the reader has had in view. */
  reading: { room: string; seen: string | undefined } | undefined;
  /** The message a followed link named: highlighted in its room until another link. */
  linked: { room: string; id: string } | undefined;
  /** Redraws the page from the chat and this state. */
  readonly redraw: () => void;
}

/**
 * At most one message is being edited, one asks to confirm its deletion, one has its
 * reaction picker open and one is being reported.
 */
export interface MessageActionState {
  editing: { id: string; draft: string; saving: boolean } | undefined;
  confirming: string | undefined;
  picking: string | undefined;
  /** The message being reported, with the reason written so far. */
  reporting: { id: string; draft: string; sending: boolean } | undefined;
  /** What the page says under a message after an action went well ("Reported…"). */
  readonly notes: Map<string, string>;
  /** The last error of a change to a message, shown under it until the next try. */
  readonly errors: Map<string, string>;
  /** The message the composer answers. */
  reply: { room: string; message: Message } | undefined;
  /** What to focus after the next render: an element of a message's row, by selector. */
  focus: { id: string; selector: string } | undefined;
}

/** The actions that wait for a confirmation; `suspend` is an operator's, site-wide. */
export type Sanction = 'kick' | 'ban' | 'mute' | 'suspend';

/**
 * The member list: whose moderation tools are open, which action waits for its confirmation
 * (with the draft of its length and reason), and the last refusal per member.
 */
export interface MemberActionState {
  open: string | undefined;
  /** The member whose profile card is open. */
  profile: string | undefined;
  confirming: { id: string; action: Sanction; minutes: string; reason: string } | undefined;
  busy: string | undefined;
  readonly errors: Map<string, string>;
  /** What to focus after the next render: an element of a member's row, by selector. */
  focus: { id: string; selector: string } | undefined;
}

/** The reports list: for which room it is open, which list, what is being resolved. */
export interface ReportsState {
  open: string | undefined;
  view: 'open' | 'resolved';
  readonly busy: Set<string>;
  /** What to focus after the next render. */
  focus: { report: string } | 'toggle' | 'panel' | undefined;
}

/** "Invite…": open for one room at a time, and whether an invitation is on its way. */
export interface InviteState {
  open: string | undefined;
  busy: boolean;
}

/** The room header's editors. */
export interface HeaderState {
  /** The topic being edited, in which room, and whether the change is on its way. */
  editing: { room: string; saving: boolean } | undefined;
  /** The room an operator is asked to confirm the deletion of, and whether it is on its way. */
  deleting: { room: string; busy: boolean } | undefined;
  /** The room whose privacy is being changed. */
  switching: string | undefined;
  /** The room whose retention is being set, and whether the change is on its way. */
  retention: { room: string; saving: boolean } | undefined;
}

/** The audit list of one room, as fetched. */
export interface AuditView {
  room: string;
  entries: AuditRecord[] | undefined;
  people: Map<string, Member>;
  loading: boolean;
}

/** A part of the page that owns its subtree and redraws it from the chat and the UiState. */
export interface Panel {
  update(): void;
}

export function createUiState(options: { maxTextLength: number; redraw: () => void }): UiState {
  return {
    maxTextLength: options.maxTextLength,
    messages: {
      editing: undefined,
      confirming: undefined,
      picking: undefined,
      reporting: undefined,
      notes: new Map(),
      errors: new Map(),
      reply: undefined,
      focus: undefined,
    },
    members: {
      open: undefined,
      profile: undefined,
      confirming: undefined,
      busy: undefined,
      errors: new Map(),
      focus: undefined,
    },
    reports: { open: undefined, view: 'open', busy: new Set(), focus: undefined },
    invite: { open: undefined, busy: false },
    header: { editing: undefined, deleting: undefined, switching: undefined, retention: undefined },
    audit: undefined,
    reading: undefined,
    linked: undefined,
    redraw: options.redraw,
  };
}
