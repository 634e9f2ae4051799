// The domain verbs the command line offers besides the engine's own (run, status, dag, explain, gc, verify).
import type { CliCommand } from '../engine/index.ts';
import { embedCommand } from './embed.ts';

export const COMMANDS: readonly CliCommand[] = [embedCommand];
