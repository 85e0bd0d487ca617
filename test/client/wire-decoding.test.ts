import { splitFields } from '../../src/adapters/protocol/fields';
import { ProtocolError } from '../../src/client/client-errors';
import { blockedUserAt, conversationSummaryAt, decodeList, historyMessageAt, readReceipt } from '../../src/client/wire-decoding';

const T = 1_700_000_000_123;

/** The §9 records (PROTOCOL.md): 2015, 2016 and 2017. */
describe('decoding history, read receipts and the inbox', () => {
  it('reads a 2015 list newest first, with the read flag as a boolean', () => {
    const fields = splitFields(`2|12|2|bob|a \\| b|${T + 1}|1|10|1|alice|x|${T}|0`);
    expect(decodeList(fields, 6, historyMessageAt)).toEqual([
      { messageId: 12, senderId: 2, senderUsername: 'bob', content: 'a | b', timestamp: T + 1, read: true },
      { messageId: 10, senderId: 1, senderUsername: 'alice', content: 'x', timestamp: T, read: false },
    ]);
  });

  it.each([
    ['a read flag other than 1 or 0', `1|12|2|bob|hi|${T}|true`, /expected 1 or 0/],
    ['a message id of 0', `1|0|2|bob|hi|${T}|1`, /expected an id/],
    ['a record short of its read flag', `1|12|2|bob|hi|${T}`, /list of 1 × 6 fields has 5 fields/],
  ])('refuses a 2015 row with %s', (_, payload, message) => {
    expect(() => decodeList(splitFields(payload), 6, historyMessageAt)).toThrow(message);
  });

  it('reads a 2017 list, kinds d and g as direct and group', () => {
    const fields = splitFields(`2|d|2|bob|12|${T + 1}|3|g|4|Team \\| One|11|${T}|0`);
    expect(decodeList(fields, 6, conversationSummaryAt)).toEqual([
      { kind: 'direct', peerId: 2, name: 'bob', lastMessageId: 12, lastTimestamp: T + 1, unreadCount: 3 },
      { kind: 'group', peerId: 4, name: 'Team | One', lastMessageId: 11, lastTimestamp: T, unreadCount: 0 },
    ]);
    expect(decodeList(['0'], 6, conversationSummaryAt)).toEqual([]);
  });

  it.each([
    ['a kind other than d or g', `1|D|2|bob|12|${T}|0`, /expected d or g, got "D"/],
    ['a negative unread count', `1|d|2|bob|12|${T}|-1`, /expected a number/],
  ])('refuses a 2017 row with %s', (_, payload, message) => {
    expect(() => decodeList(splitFields(payload), 6, conversationSummaryAt)).toThrow(message);
  });

  it('reads a 2016 push, tolerating fields appended at the end', () => {
    expect(readReceipt(splitFields(`2|bob|12|${T}|future`))).toEqual({ readerId: 2, readerUsername: 'bob', upToMessageId: 12, timestamp: T });
    expect(() => readReceipt(splitFields('2|bob|12'))).toThrow(ProtocolError);
  });
});

/** The §10 record (PROTOCOL.md): 2018. */
describe('decoding the blocked list', () => {
  it('reads a 2018 list of user ids and names, unescaped', () => {
    expect(decodeList(splitFields('2|7|mallory|3|tr\\|oll'), 2, blockedUserAt)).toEqual([
      { userId: 7, username: 'mallory' },
      { userId: 3, username: 'tr|oll' },
    ]);
    expect(decodeList(['0'], 2, blockedUserAt)).toEqual([]);
  });

  it.each([
    ['a user id that is not one', '1|x|mallory', /expected an id, got "x"/],
    ['a record short of its name', '2|7|mallory|3', /list of 2 × 2 fields has 3 fields/],
    ['a count that is not a number', 'one|7|mallory', /expected a number/],
  ])('refuses a 2018 list with %s', (_, payload, message) => {
    expect(() => decodeList(splitFields(payload), 2, blockedUserAt)).toThrow(message);
  });
});
