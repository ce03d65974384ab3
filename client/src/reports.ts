import type { Member, Message, Report } from '../../common/contract.js';

/**
 * The open reports of one room, as its owner, moderators and operators see them: a list
 * fetched with `reports:list`, kept current by the live `report` and `report:resolved`
 * events. The list and the events can cross on the way (a report resolved while the list
 * was coming), so a report seen resolved never comes back from an older list.
 */
export class RoomReports {
  /** Open reports by id. */
  private readonly open = new Map<string, Report>();
  /** Reports known to be resolved: a list fetched before they were must not reopen them. */
  private readonly resolved = new Set<string>();
  /** Reported messages as the live `report` events carried them, by message id. */
  private readonly messages = new Map<string, Message>();
  /** A list has come since the user became staff here: the count is the room's. */
  loaded = false;

  /** Takes a fetched list of open reports; live ones that arrived meanwhile stay. */
  load(reports: readonly Report[]): void {
    const live = [...this.open.values()];
    this.open.clear();
    for (const report of [...reports, ...live]) {
      if (report.resolved === undefined && !this.resolved.has(report.id)) {
        this.open.set(report.id, report);
      }
    }
    this.loaded = true;
  }

  /** A live report, with the message as it was when reported. */
  add(report: Report, message?: Message): void {
    if (message) this.messages.set(report.messageId, message);
    if (report.resolved !== undefined) {
      this.resolve(report);
      return;
    }
    if (!this.resolved.has(report.id)) this.open.set(report.id, report);
  }

  /** A report resolved here or by another moderator: it leaves the open list. */
  resolve(report: Report): void {
    this.resolved.add(report.id);
    this.open.delete(report.id);
  }

  /** The user is no longer staff here (or left the room): nothing is kept. */
  clear(): void {
    this.open.clear();
    this.resolved.clear();
    this.messages.clear();
    this.loaded = false;
  }

  get count(): number {
    return this.open.size;
  }

  /** The open reports, newest first. */
  list(): Report[] {
    return [...this.open.values()].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1));
  }

  /** The reported message as a live event carried it, if one did. */
  reportedMessage(messageId: string): Message | undefined {
    return this.messages.get(messageId);
  }
}

/** What an entry of the list says of the reported message. */
export type ReportedText =
  { kind: 'text'; author: string; text: string } | { kind: 'gone' } | { kind: 'unknown' };

/**
 * The reported message as the list shows it: as held in the timeline now (gone once
 * deleted), else as the live report carried it, else unknown (reported before this page
 * loaded, and older than the history it holds).
 */
export function reportedText(
  held: Message | undefined,
  carried: Message | undefined,
): ReportedText {
  const message = held ?? carried;
  if (!message) return { kind: 'unknown' };
  if (message.deleted) return { kind: 'gone' };
  return { kind: 'text', author: message.author.name, text: message.text };
}

/**
 * The name of whoever reported, if this page knows it: from the people in the room, or
 * from the authors of the messages it holds. Undefined for someone it never saw.
 */
export function reporterName(
  userId: string,
  members: ReadonlyMap<string, Member>,
  authors: Iterable<Message>,
): string | undefined {
  const member = members.get(userId);
  if (member) return member.name;
  for (const message of authors) if (message.author.id === userId) return message.author.name;
  return undefined;
}
