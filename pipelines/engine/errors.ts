// Errors the user can act on: a message that names the file, stage, key or flag, and an exit code.
// Anything else that escapes is a bug and is printed with its stack.

/** Exit codes of the CLI, documented in the README. */
export const EXIT = {
  ok: 0,
  stageFailed: 1,
  usage: 2,
  /** The store is locked by another run (EX_TEMPFAIL): try again later or pass --wait. */
  locked: 75,
  /** A service the run needs (Redis for --executor bullmq) cannot be reached (EX_UNAVAILABLE). */
  unavailable: 69,
} as const;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
