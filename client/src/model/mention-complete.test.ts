import { describe, expect, it } from 'vitest';
import type { Member } from '../../../common/contract.js';
import {
  insertMention,
  mentionCandidates,
  mentionQueryAt,
  mentionSources,
  type PeopleOf,
} from './mention-complete.js';

const alice: Member = { id: 'a', name: 'Alice', username: 'alice1' };
const malice: Member = { id: 'm', name: 'Mal Ice', username: 'alistair' };
const bob: Member = { id: 'b', name: 'Bob Alington', username: 'bob' };
const zoe: Member = { id: 'z', name: 'Zoë Kim', guest: true };
const quoted: Member = { id: 'q', name: 'say "hi"', guest: true };
const token: Member = { id: 't', name: 'Ali by token' };
const me: Member = { id: 'me', name: 'Alina', username: 'alina' };

const names = (query: string, here: Member[], elsewhere: Member[] = []) =>
  mentionCandidates(query, { here, elsewhere, selfId: me.id }).map((c) => c.token);

describe('the @… being typed', () => {
  it('is found right before the caret, never inside an address, and takes the rest of its word', () => {
    expect(mentionQueryAt('hi @ali', 7)).toEqual({ start: 3, end: 7, query: 'ali' });
    expect(mentionQueryAt('@Al', 3)).toEqual({ start: 0, end: 3, query: 'Al' });
    expect(mentionQueryAt('hi @alice there', 6)).toEqual({ start: 3, end: 9, query: 'al' });
    expect(mentionQueryAt('to @"Zo', 7)).toEqual({ start: 3, end: 7, query: 'Zo' });
    expect(mentionQueryAt('mail bo@ali', 11)).toBeUndefined();
    expect(mentionQueryAt('just @', 6)).toBeUndefined();
    expect(mentionQueryAt('@ali done', 9)).toBeUndefined();
    expect(mentionQueryAt('@@ali', 5)).toBeUndefined();
  });
});

describe('who is offered', () => {
  it('matches display names and usernames from the start of any word, case and accents aside', () => {
    expect(names('ali', [alice, malice, bob])).toEqual(['@alice1', '@alistair', '@bob']);
    expect(names('ALICE1', [alice, bob])).toEqual(['@alice1']);
    expect(names('ice', [alice, malice])).toEqual(['@alistair']);
    expect(names('zoe', [zoe])).toEqual(['@"Zoë Kim"']);
    expect(names('kim', [zoe])).toEqual(['@"Zoë Kim"']);
    expect(names('lice', [alice])).toEqual([]);
  });

  it('puts the room first, matches at the start before later words, then by name', () => {
    // Bob matches at a later word, Mal Ice by username: both after Alice, by name.
    expect(names('al', [bob, malice, alice])).toEqual(['@alice1', '@alistair', '@bob']);
    // Someone of another room comes after everyone of this one, however well they match.
    expect(names('al', [bob], [alice])).toEqual(['@bob', '@alice1']);
  });

  it('never offers the user, anyone twice, or anyone with no token', () => {
    expect(names('ali', [me, alice, token, quoted], [alice])).toEqual(['@alice1']);
    expect(names('say', [quoted])).toEqual([]);
    const here = mentionCandidates('ali', { here: [alice], elsewhere: [alice], selfId: 'me' });
    expect(here).toEqual([{ member: alice, token: '@alice1', here: true }]);
  });

  it('offers at most the limit', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      id: `u${i}`,
      name: `Al ${String(i).padStart(2, '0')}`,
      username: `al${i}`,
    }));
    expect(mentionCandidates('al', { here: many, elsewhere: [], selfId: 'me' })).toHaveLength(8);
    expect(mentionCandidates('al', { here: many, elsewhere: [], selfId: 'me' }, 3)).toHaveLength(3);
  });
});

describe('where candidates come from', () => {
  const room = (kind: PeopleOf['kind'], members: Member[]): PeopleOf => ({
    kind,
    participants: kind === 'direct' ? members : [],
    presence: { members: new Map(kind === 'room' ? members.map((m) => [m.id, m]) : []) },
  });

  it('a room: its people, then those of the other rooms and conversations', () => {
    const general = room('room', [me, bob]);
    const dev = room('room', [alice]);
    const dm = room('direct', [me, zoe]);
    expect(mentionSources([general, dev, dm], general, me.id)).toEqual({
      here: [me, bob],
      elsewhere: [alice, me, zoe],
      selfId: me.id,
    });
  });

  it('a conversation: its participants only, as the server names nobody else there', () => {
    const general = room('room', [alice]);
    const dm = room('direct', [me, zoe]);
    expect(mentionSources([general, dm], dm, me.id)).toEqual({
      here: [me, zoe],
      elsewhere: [],
      selfId: me.id,
    });
  });
});

describe('picking', () => {
  it('replaces the @… with the token and a space, the caret after it', () => {
    const at = { start: 3, end: 7, query: 'ali' };
    expect(insertMention('hi @ali', at, '@alice1')).toEqual({ value: 'hi @alice1 ', caret: 11 });
    expect(insertMention('hi @ali there', at, '@alice1')).toEqual({
      value: 'hi @alice1 there',
      caret: 11,
    });
  });
});
