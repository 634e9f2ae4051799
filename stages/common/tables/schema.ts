// Row tables: what a TableSchema says about itself. `schemaJson` is embedded in every Arrow and
// Parquet file (so readers outside the project see the descriptions), `schemaMarkdown` goes into
// data cards, and `checkSchema` rejects malformed schemas before any file is opened.

import { COLUMN_TYPES, TableError, type TableSchema } from './types.ts';

export function schemaJson(schema: TableSchema): object {
  return {
    name: schema.name,
    description: schema.description,
    columns: schema.columns.map((c) => ({
      name: c.name,
      type: c.type,
      nullable: c.nullable === true,
      description: c.description,
    })),
  };
}

function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function schemaMarkdown(schema: TableSchema): string {
  const lines = [
    `**${mdCell(schema.name)}**: ${mdCell(schema.description)}`,
    '',
    '| column | type | nullable | description |',
    '| --- | --- | --- | --- |',
  ];
  for (const c of schema.columns) {
    lines.push(`| \`${mdCell(c.name)}\` | \`${c.type}\` | ${c.nullable ? 'yes' : 'no'} | ${mdCell(c.description)} |`);
  }
  return lines.join('\n') + '\n';
}

export function checkSchema(schema: TableSchema): void {
  const seen = new Set<string>();
  if (!schema.name) throw new TableError('table schema has an empty name', '');
  for (const c of schema.columns) {
    if (!c.name) throw new TableError(`table "${schema.name}": a column has an empty name`, schema.name);
    if (seen.has(c.name)) {
      throw new TableError(`table "${schema.name}": column "${c.name}" is declared twice`, schema.name, c.name);
    }
    seen.add(c.name);
    if (!COLUMN_TYPES.includes(c.type)) {
      throw new TableError(
        `table "${schema.name}": column "${c.name}" has unknown type ${JSON.stringify(c.type)}`,
        schema.name,
        c.name,
      );
    }
  }
}
