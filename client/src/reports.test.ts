import { describe, expect, it } from 'vitest';
import type { Message, Report } from '../../common/contract.js';
import { reportedText, reporterName, RoomReports } from './reports.js';

const report = (id: string, at: number, extra: Partial<Report> = {}): Report => ({
  id,
  room: 'den',
  messageId: `m-${id}`,
  by: 'u-bob',
  reason: 'spam',
  at,
  ...extra,
});

const message = (id: string, extra: Partial<Message> = {}): Message => ({
  id,
  room: 'den',
  author: { id: 'u-spam', name: 'spam' },
  text: 'buy now',
  ts: 1,
  ...extra,
});

describe('a room’s open reports', () => {
  it('lists the fetched open reports newest first, and counts them', () => {
    const reports = new RoomReports();
    expect(reports.loaded).toBe(false);
    reports.load([report('a', 1), report('b', 3), report('c', 2)]);
    expect(reports.loaded).toBe(true);
    expect(reports.count).toBe(3);
    expect(reports.list().map((r) => r.id)).toEqual(['b', 'c', 'a']);
  });

  it('adds live reports, and a repeat of one counts once', () => {
    const reports = new RoomReports();
    reports.add(report('a', 1), message('m-a'));
    reports.add(report('a', 1), message('m-a'));
    expect(reports.count).toBe(1);
    expect(reports.reportedMessage('m-a')?.text).toBe('buy now');
  });

  it('keeps a live report that arrived while the list was on its way', () => {
    const reports = new RoomReports();
    reports.add(report('new', 5));
    reports.load([report('old', 1)]);
    expect(reports.list().map((r) => r.id)).toEqual(['new', 'old']);
  });

  it('never reopens a report seen resolved, even from a list fetched before', () => {
    const reports = new RoomReports();
    reports.load([report('a', 1), report('b', 2)]);
    reports.resolve(report('a', 1, { resolved: { by: 'u-olga', at: 3 } }));
    expect(reports.count).toBe(1);
    reports.load([report('a', 1), report('b', 2)]);
    expect(reports.list().map((r) => r.id)).toEqual(['b']);
    reports.add(report('a', 1));
    expect(reports.count).toBe(1);
  });

  it('forgets everything once cleared', () => {
    const reports = new RoomReports();
    reports.add(report('a', 1), message('m-a'));
    reports.clear();
    expect(reports.count).toBe(0);
    expect(reports.loaded).toBe(false);
    expect(reports.reportedMessage('m-a')).toBeUndefined();
  });
});

describe('what an entry shows', () => {
  it('shows the message as held now, or as it was reported', () => {
    const carried = message('m-a');
    expect(reportedText(undefined, carried)).toEqual({
      kind: 'text',
      author: 'spam',
      text: 'buy now',
    });
    expect(reportedText(message('m-a', { text: 'edited' }), carried)).toMatchObject({
      text: 'edited',
    });
    expect(reportedText(message('m-a', { deleted: true, text: '' }), carried)).toEqual({
      kind: 'gone',
    });
    expect(reportedText(undefined, undefined)).toEqual({ kind: 'unknown' });
  });

  it('names the reporter from the members, else from the messages held', () => {
    const members = new Map([['u-bob', { id: 'u-bob', name: 'bob' }]]);
    const authored = [message('1', { author: { id: 'u-ann', name: 'ann' } })];
    expect(reporterName('u-bob', members, authored)).toBe('bob');
    expect(reporterName('u-ann', members, authored)).toBe('ann');
    expect(reporterName('u-zed', members, authored)).toBeUndefined();
  });
});
