import type { Member, Message, Report } from '../../../common/contract.js';

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
  /**
   * Resolved reports, most recently resolved first, once fetched (`reports:list` with
   * `open: false`); resolutions seen afterwards join them at the top.
   */
  private resolvedList: Report[] | undefined;

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
    if (this.resolvedList && !this.resolvedList.some((r) => r.id === report.id)) {
      this.resolvedList.unshift(report);
    }
  }

  /** Takes a fetched list of resolved reports; resolutions seen meanwhile stay on top. */
  loadResolved(reports: readonly Report[]): void {
    const fetched = new Set(reports.map((r) => r.id));
    const newer = (this.resolvedList ?? []).filter((r) => !fetched.has(r.id));
    this.resolvedList = [...newer, ...reports];
  }

  /** The resolved reports, most recently resolved first; undefined until fetched. */
  resolvedReports(): readonly Report[] | undefined {
    return this.resolvedList;
  }

  /** The user is no longer staff here (or left the room): nothing is kept. */
  clear(): void {
    this.open.clear();
    this.resolved.clear();
    this.messages.clear();
    this.loaded = false;
    this.resolvedList = undefined;
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
  | {
      kind: 'text';
      author: string;
      text: string;
      /** What became of it since it was reported, as far as this page knows. */
      since?: 'edited' | 'deleted';
    }
  | { kind: 'gone' }
  | { kind: 'unknown' };

/**
 * The reported message as the list shows it: as it was when reported (the report's quote,
 * else the live event's copy), with what became of it since when the timeline holds it;
 * else as held now. Only a report filed before the server kept quotes, of a message this
 * page holds nowhere, is unknown.
 */
export function reportedText(
  report: Pick<Report, 'quote'>,
  held: Message | undefined,
  carried: Message | undefined,
): ReportedText {
  const original = report.quote ?? (carried && !carried.deleted ? carried : undefined);
  if (original) {
    const since = held?.deleted ? 'deleted' : held && held.text !== original.text ? 'edited' : '';
    return {
      kind: 'text',
      author: original.author.name,
      text: original.text,
      ...(since === '' ? {} : { since }),
    };
  }
  if (!held) return { kind: 'unknown' };
  if (held.deleted) return { kind: 'gone' };
  return { kind: 'text', author: held.author.name, text: held.text };
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
