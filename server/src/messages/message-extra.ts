import type { Message } from '../../../common/contract.js';

/**
 * What a message holds besides its id, author and text, as the stores on disk keep it: JSON in
 * one TEXT column (`extra`), NULL when there is nothing. JSON's escapes keep NUL and lone
 * surrogates, which PostgreSQL's TEXT and JSONB would refuse.
 */
export type Extra = Pick<
  Message,
  'editedAt' | 'deleted' | 'removedByModerator' | 'reactions' | 'replyTo' | 'mentions'
>;

/** The `extra` column of a message. */
export const extraOf = (m: Message): string | null => {
  const extra: Extra = {
    ...(m.editedAt === undefined ? {} : { editedAt: m.editedAt }),
    ...(m.deleted ? { deleted: true } : {}),
    ...(m.removedByModerator ? { removedByModerator: true } : {}),
    ...(m.reactions ? { reactions: m.reactions } : {}),
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    ...(m.mentions ? { mentions: m.mentions } : {}),
  };
  return Object.keys(extra).length > 0 ? JSON.stringify(extra) : null;
};

/** The fields an `extra` column holds. */
export const fromExtra = (extra: string | null): Extra =>
  extra === null ? {} : (JSON.parse(extra) as Extra);
