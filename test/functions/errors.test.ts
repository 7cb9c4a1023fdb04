import { describe, expect, it } from 'vitest';
import * as errors from '../../functions/lib/errors';
import {
  assertIsError,
  ERROR_HANDLING,
  isErrorNamed,
  NextTokenCorrupted,
  PagewalkError,
} from '../../functions/lib/errors';

type ErrorClass = new (message: string, options?: errors.ErrorCause) => PagewalkError;

const isErrorClass = (value: unknown): value is ErrorClass =>
  typeof value === 'function' && value.prototype instanceof PagewalkError;

/** Every exported subclass of PagewalkError, by its export name. */
const classes: Array<[string, ErrorClass]> = Object.entries(errors).flatMap(([name, value]) =>
  isErrorClass(value) ? [[name, value] as [string, ErrorClass]] : [],
);

describe("pagewalk's own errors", () => {
  it('are one class for each error the state machine handles', () => {
    expect(classes.map(([name]) => name).sort()).toEqual(Object.keys(ERROR_HANDLING).sort());
  });

  it.each(classes)('%s reports its own name, its message and the cause it wraps', (name, ErrorClass) => {
    const cause = new Error('the SDK said no');
    const error = new ErrorClass('what went wrong', { cause });
    expect(error).toBeInstanceOf(Error);
    expect({ name: error.name, message: error.message, cause: error.cause }).toEqual({
      name,
      message: 'what went wrong',
      cause,
    });
  });
});

describe('assertIsError', () => {
  it('lets an Error through', () => {
    const error: unknown = new NextTokenCorrupted('bad token');
    assertIsError(error);
    expect(error.name).toBe('NextTokenCorrupted');
  });

  it('rethrows anything that is not an Error exactly as it came', () => {
    const thrown = { name: 'NotAnError' };
    expect(() => assertIsError(thrown)).toThrow(expect.objectContaining({ name: 'NotAnError' }));
    expect(() => assertIsError('a string')).toThrow('a string');
  });
});

describe('isErrorNamed', () => {
  it('matches an Error by name only', () => {
    expect(isErrorNamed(new NextTokenCorrupted('x'), 'NextTokenCorrupted')).toBe(true);
    expect(isErrorNamed(new NextTokenCorrupted('x'), 'InvalidInput')).toBe(false);
    expect(isErrorNamed({ name: 'NextTokenCorrupted' }, 'NextTokenCorrupted')).toBe(false);
    expect(isErrorNamed(undefined, 'NextTokenCorrupted')).toBe(false);
  });
});
