/**
 * The API's side of checking a run input: the bounded check itself lives in
 * runtime/run-input.ts (every way a run starts goes through it); here its
 * errors become the API's 400 answers.
 */
import type { Json, SwarmIR } from '../dsl/ir';
import { checkRunInput, InvalidRunInputError, UnusableInputsSchemaError } from '../runtime/run-input';
import { ApiError } from './errors';

export { guardPatterns, longKeyAt, MAX_PATTERNED_LENGTH } from '../runtime/run-input';

/** Checks a run input against the swarm's inputs schema in bounded time; throws a 400 `invalid_input` (or `invalid_definition`). */
export function checkInput(ir: SwarmIR, input: Json): void {
  try {
    checkRunInput(ir, input);
  } catch (err) {
    if (err instanceof InvalidRunInputError) throw new ApiError('invalid_input', err.summary, err.problems);
    if (err instanceof UnusableInputsSchemaError) throw new ApiError('invalid_definition', err.message);
    throw err;
  }
}
