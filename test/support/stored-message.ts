import type { DirectMessage, DirectMessageRefusal } from '../../src/domain';

/** A `saveDirect` result the test expects to be a stored message: a refusal fails the test. */
export function stored(result: DirectMessage | DirectMessageRefusal): DirectMessage {
  if (typeof result === 'string') throw new Error(`expected the message to be stored, got '${result}'`);
  return result;
}
