// What the attack stage writes, declared once: consumers read an output through these handles. The query-sets
// table is declared with score, its reader, in stages/common/query-sets.ts; the stage writes it like its own.
import { declareOutputs } from '../../pipelines/engine/index.ts';
import { ATTACK_QUERY_SETS } from '../common/query-sets.ts';
import { ATTACK_TABLE_SCHEMA, ATTACKS_SCHEMA, TRANSFER_SCHEMA } from './schema.ts';

const own = declareOutputs('attack', {
  attacks: {
    path: 'attacks.parquet',
    kind: 'parquet',
    schema: ATTACKS_SCHEMA,
    description: ATTACKS_SCHEMA.description,
  },
  attacksArrow: {
    path: 'attacks.arrow',
    kind: 'arrow',
    schema: ATTACKS_SCHEMA,
    description: ATTACKS_SCHEMA.description,
  },
  table: {
    path: 'attack-table.parquet',
    kind: 'parquet',
    schema: ATTACK_TABLE_SCHEMA,
    description: ATTACK_TABLE_SCHEMA.description,
  },
  transfer: {
    path: 'transfer.parquet',
    kind: 'parquet',
    schema: TRANSFER_SCHEMA,
    description: TRANSFER_SCHEMA.description,
  },
  summary: {
    path: 'summary.md',
    kind: 'markdown',
    description: 'TextAttack-style table per model × recipe, the transfer matrix, what was skipped and why.',
  },
  report: {
    path: 'report.json',
    kind: 'json',
    description:
      '`hybrid-xlr/attack@1`: params, digests, sample, layout-free and dictionary-less languages, disagreements, the table.',
  },
});

export const ATTACK_OUTPUTS = { ...own, querySets: ATTACK_QUERY_SETS.querySets } as const;

/** The file names of the outputs (the contract's ATTACK_FILES), from the handles. */
export const ATTACK_FILES = Object.fromEntries(Object.entries(ATTACK_OUTPUTS).map(([k, h]) => [k, h.path])) as {
  readonly [K in keyof typeof ATTACK_OUTPUTS]: string;
};
