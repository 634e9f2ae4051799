// Domain verbs plug into the command line from outside the engine: a pipeline's commands module (e.g.
// pipelines/commands/) hands `main` a list of these, so the engine parses and reports without knowing what a
// model or a text file is.
import type { Command } from 'commander';
import type { PipelineDef } from './pipeline.ts';

export interface CommandContext {
  /** Prints one line of the verb's report to stdout. */
  print(text: string): void;
  /** Loads a pipeline definition by name (under `<root>/pipelines/`) or path, as `--pipeline` does. */
  loadPipeline(spec: string, root: string): Promise<PipelineDef>;
  /** True for a `--pipeline` value naming a file rather than a pipeline under pipelines/. */
  isPipelinePath(spec: string): boolean;
}

export interface CliCommand {
  readonly name: string;
  /** Adds the verb to `program` (`program.command(name)...action(...)`); errors thrown as UserError print cleanly. */
  register(program: Command, ctx: CommandContext): void;
}
