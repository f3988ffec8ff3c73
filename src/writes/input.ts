import { badUserInput, echo } from '../errors';

/*
 * Checks of mutation inputs. Each names the input field it refused by its path from the
 * argument (`input.items[2].quantity`), in `extensions.argumentName`.
 */

/** Longest name or title a catalog row or playlist may have. */
export const MAX_NAME_LENGTH = 200;

/**
 * A row id given in an input.
 * @throws BAD_USER_INPUT naming `path`
 */
export function inputId(value: string | number, path: string): number {
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) throw badUserInput(path, `${path} must be a positive integer id, but got: ${echo(value)}`);
  return id;
}

/**
 * A whole number in [min, max].
 * @throws BAD_USER_INPUT naming `path`
 */
export function inputInt(value: number, path: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw badUserInput(path, `${path} must be an integer from ${min} to ${max}, but got: ${echo(value)}`);
  return value;
}

/**
 * A name: trimmed, not empty, at most `max` characters, no NUL.
 * @throws BAD_USER_INPUT naming `path`
 */
export function inputName(value: string, path: string, max = MAX_NAME_LENGTH): string {
  const text = value.trim();
  if (text.length === 0 || text.length > max || text.includes('\0')) {
    throw badUserInput(path, `${path} must be 1 to ${max} characters (not blank, no NUL), but got: ${echo(value)}`);
  }
  return text;
}

/**
 * Optional free text (a composer, an address line): null stays null, empty becomes null.
 * @throws BAD_USER_INPUT naming `path`
 */
export function inputText(value: string | null | undefined, path: string, max = MAX_NAME_LENGTH): string | null {
  if (value == null) return null;
  const text = value.trim();
  if (text.length > max || text.includes('\0')) throw badUserInput(path, `${path} must be at most ${max} characters, no NUL, but got: ${echo(value)}`);
  return text === '' ? null : text;
}

/**
 * A list of track ids: 1 to `max`, duplicates dropped (the first occurrence keeps its place).
 * @throws BAD_USER_INPUT naming the bad element (`input.trackIds[3]`)
 */
export function inputIdList(values: ReadonlyArray<string | number>, path: string, max: number): number[] {
  if (values.length === 0 || values.length > max) throw badUserInput(path, `${path} must hold 1 to ${max} ids, but got ${values.length}`);
  return [...new Set(values.map((value, i) => inputId(value, `${path}[${i}]`)))];
}
