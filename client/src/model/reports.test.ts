import { describe, expect, it } from 'vitest';
import type { Message, Report } from '../../../common/contract.js';
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
  it('shows the message as it was reported, and what became of it since', () => {
    const quote = { author: { id: 'u-spam', name: 'spam' }, text: 'buy now' };
    const original = { kind: 'text', author: 'spam', text: 'buy now' };
    // A report older than the history held: its quote is all there is, and it is enough.
    expect(reportedText({ quote }, undefined, undefined)).toEqual(original);
    expect(reportedText({ quote }, message('m-a'), undefined)).toEqual(original);
    expect(reportedText({ quote }, message('m-a', { text: 'nothing to see' }), undefined)).toEqual({
      ...original,
      since: 'edited',
    });
    expect(reportedText({ quote }, message('m-a', { deleted: true, text: '' }), undefined)).toEqual(
      { ...original, since: 'deleted' },
    );
  });

  it('without a quote, uses the live event’s copy, else the message as held now', () => {
    const carried = message('m-a');
    expect(reportedText({}, undefined, carried)).toEqual({
      kind: 'text',
      author: 'spam',
      text: 'buy now',
    });
    expect(reportedText({}, message('m-a', { text: 'edited' }), carried)).toEqual({
      kind: 'text',
      author: 'spam',
      text: 'buy now',
      since: 'edited',
    });
    expect(reportedText({}, message('m-a', { text: 'edited' }), undefined)).toMatchObject({
      text: 'edited',
    });
    expect(reportedText({}, message('m-a', { deleted: true, text: '' }), undefined)).toEqual({
      kind: 'gone',
    });
    expect(reportedText({}, undefined, undefined)).toEqual({ kind: 'unknown' });
  });

  it('keeps resolved reports once fetched, and puts resolutions seen later on top', () => {
    const reports = new RoomReports();
    const done = (id: string, at: number) => report(id, 1, { resolved: { by: 'u-olga', at } });
    reports.resolve(done('early', 5));
    expect(reports.resolvedReports()).toBeUndefined();
    reports.load([report('a', 1), report('b', 2)]);
    reports.loadResolved([done('x', 4), done('y', 3)]);
    reports.resolve(done('a', 6));
    expect(reports.resolvedReports()?.map((r) => r.id)).toEqual(['a', 'x', 'y']);
    expect(reports.list().map((r) => r.id)).toEqual(['b']);
    // A fresh list that already has it keeps one copy.
    reports.loadResolved([done('a', 6), done('x', 4), done('y', 3)]);
    expect(reports.resolvedReports()?.map((r) => r.id)).toEqual(['a', 'x', 'y']);
    reports.clear();
    expect(reports.resolvedReports()).toBeUndefined();
  });

  it('names the reporter from the members, else from the messages held', () => {
    const members = new Map([['u-bob', { id: 'u-bob', name: 'bob' }]]);
    const authored = [message('1', { author: { id: 'u-ann', name: 'ann' } })];
    expect(reporterName('u-bob', members, authored)).toBe('bob');
    expect(reporterName('u-ann', members, authored)).toBe('ann');
    expect(reporterName('u-zed', members, authored)).toBeUndefined();
  });
});
