import { describe, expect, it } from 'vitest';
import { hashOf, linkTo, placeOf } from './links.js';

describe('links', () => {
  it('reads a room and a message from the fragment', () => {
    expect(placeOf('#/room/general')).toEqual({ room: 'general' });
    expect(placeOf('#/room/dm-0123abcd')).toEqual({ room: 'dm-0123abcd' });
    expect(placeOf('#/room/general/message/1700000000000-0')).toEqual({
      room: 'general',
      message: '1700000000000-0',
    });
  });

  it('ignores fragments that name nothing of ours', () => {
    for (const hash of [
      '',
      '#',
      '#composer-input',
      '#/room/',
      '#/room/No Caps',
      '#/room/%E0%A4%A',
    ]) {
      expect(placeOf(hash)).toBeUndefined();
    }
    expect(placeOf('#/room/general/message/<script>')).toEqual({ room: 'general' });
  });

  it('writes what it reads', () => {
    const place = { room: 'general', message: '17-3' };
    expect(placeOf(hashOf(place))).toEqual(place);
    expect(hashOf({ room: 'general' })).toBe('#/room/general');
  });

  it('keeps the query of the page in a link', () => {
    expect(linkTo('http://x.test/?transport=polling#/room/a', { room: 'b', message: '1-0' })).toBe(
      'http://x.test/?transport=polling#/room/b/message/1-0',
    );
  });
});
