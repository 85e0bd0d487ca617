import type { DomainError } from '../../domain';
import { encodeFrame } from './frame-encoder';
import { joinFields } from './fields';
import { ServerMessage } from './message-types';

/** A 2000 RESPONSE frame: the status code, then the command's fields. */
export function response(status: number, ...fields: readonly (string | number)[]): Buffer {
  return encodeFrame(ServerMessage.RESPONSE, fields.length === 0 ? String(status) : `${status}|${joinFields(fields)}`);
}

export const badRequest = (reason: string): Buffer => response(400, reason);
export const serverError = (): Buffer => response(500, 'Server error');
export const notLoggedIn = (): Buffer => response(401, 'Not logged in');

/** The one table from domain errors to status replies. */
export function errorReply(error: DomainError): Buffer {
  switch (error.code) {
    case 'INVALID_INPUT':
      return response(400, error.reason);
    case 'USERNAME_TAKEN':
      return response(409, 'Username already exists');
    case 'INVALID_CREDENTIALS':
      return response(401, 'Invalid credentials');
    case 'ACCOUNT_BANNED':
      return response(403, 'Account banned');
    case 'ALREADY_LOGGED_IN':
      return response(409, 'Already logged in');
    case 'TOO_MANY_ATTEMPTS':
      return response(429, 'Too many attempts');
    case 'USER_NOT_FOUND':
      return response(404, 'User not found');
    case 'GROUP_NOT_FOUND':
      return response(404, 'Group not found');
    case 'NOT_A_MEMBER':
      return response(403, 'Not a member');
    case 'NOT_ADMIN':
      return response(403, 'Not admin');
    case 'ALREADY_MEMBER':
      return response(409, 'Already a member');
    case 'ALREADY_FRIENDS':
      return response(409, 'Already friends');
    case 'REQUEST_PENDING':
      return response(409, 'Request already pending');
    case 'REQUEST_NOT_FOUND':
      return response(404, 'Request not found');
    case 'NOT_FRIENDS':
      return response(404, 'Not friends');
    case 'CANNOT_MESSAGE':
      return response(403, 'Cannot message this user');
    case 'NOT_BLOCKED':
      return response(404, 'Not blocked');
    case 'TOO_MANY_REPORTS':
      return response(429, 'Too many reports');
    default:
      return assertNever(error);
  }
}

function assertNever(value: never): never {
  throw new Error(`unmapped domain error ${JSON.stringify(value)}`);
}
