#!/usr/bin/env node
// The test endpoint's Athena stand-in (ep_athena.py): runs one SELECT with
// DuckDB (@duckdb/node-api) over local copies of a table's objects.
//   athena_duckdb.js MANIFEST.json
// MANIFEST: {db, name, columns: [[name, int|bigint|string]], partitions:
// [[name, type]], parquet, files: [{path, partitions: {col: value}}], sql}.
// Each file becomes one SELECT of the table's columns, read as Hive reads
// them (text: single-space delimited, first line skipped, a numeric column
// whose text is not a number is NULL; Parquet: columns by name), plus its
// partition values as constants; the view "db"."name" is their UNION ALL,
// so the SQL runs unchanged. Prints {"header": [...], "rows": [[text|null]]}.
'use strict';
const fs = require('fs');
const path = require('path');
const {DuckDBInstance} = require(
    path.join(__dirname, '..', 'harness', 'node_modules', '@duckdb', 'node-api'));

const kTypes = {int: 'INTEGER', bigint: 'BIGINT', string: 'VARCHAR'};
const lit = (s) => `'${String(s).replace(/'/g, "''")}'`;
const id = (s) => `"${String(s).replace(/"/g, '""')}"`;

function fileSelect(m, f) {
  const parts = m.partitions.map(([c, t]) => `CAST(${lit(f.partitions[c])} AS ${kTypes[t]}) AS ${id(c)}`);
  if (m.parquet) {
    const cols = m.columns.map(([c, t]) => `CAST(${id(c)} AS ${kTypes[t]}) AS ${id(c)}`);
    return `SELECT ${cols.concat(parts).join(', ')} FROM read_parquet(${lit(f.path)})`;
  }
  const raw = m.columns.map(([c], i) => `${lit('c' + i)}: 'VARCHAR'`).join(', ');
  const cols = m.columns.map(([c, t], i) =>
    t === 'string' ? `c${i} AS ${id(c)}` : `TRY_CAST(c${i} AS ${kTypes[t]}) AS ${id(c)}`);
  return `SELECT ${cols.concat(parts).join(', ')} FROM read_csv(${lit(f.path)}, delim = ' ', ` +
         `header = false, skip = 1, auto_detect = false, quote = '', escape = '', ` +
         `columns = {${raw}}` + (f.path.endsWith('.gz') ? `, compression = 'gzip'` : '') + ')';
}

async function main() {
  const m = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`CREATE SCHEMA ${id(m.db)}`);
  let body;
  if (m.files.length === 0) {
    // No object: an empty relation of the table's shape.
    const cols = m.columns.concat(m.partitions).map(([c, t]) => `CAST(NULL AS ${kTypes[t]}) AS ${id(c)}`);
    body = `SELECT ${cols.join(', ')} WHERE false`;
  } else {
    body = m.files.map((f) => fileSelect(m, f)).join('\nUNION ALL\n');
  }
  await con.run(`CREATE VIEW ${id(m.db)}.${id(m.name)} AS ${body}`);
  const r = await con.runAndReadAll(m.sql);
  const header = r.columnNames();
  const rows = r.getRows().map((row) => row.map((v) => (v === null ? null : String(v))));
  process.stdout.write(JSON.stringify({header, rows}));
}
main().catch((e) => { console.error(e.message); process.exit(1); });
