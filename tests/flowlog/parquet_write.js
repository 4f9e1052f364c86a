#!/usr/bin/env node
// Writes a Parquet file with DuckDB (@duckdb/node-api, an independent
// writer) from a CSV of flow-log records, for the Parquet tests.
//   parquet_write.js IN.csv OUT.parquet CODEC VERSION DICT [ROW_GROUP_SIZE]
// Prints the encodings, codecs and row-group count of the file written.
// CODEC: uncompressed | gzip | snappy | zstd; VERSION: V1 | V2 (data page
// version, PARQUET_VERSION); DICT: dict | plain (dictionary encoding on or
// off via DICTIONARY_SIZE_LIMIT). The CSV's header names the columns;
// columns typed as AWS types them (docs/parquet.md); empty cells are NULL.
'use strict';
const path = require('path');
const {DuckDBInstance} = require(path.join(__dirname, '..', 'harness', 'node_modules', '@duckdb', 'node-api'));

const kInt32 = new Set(['version', 'srcport', 'dstport', 'protocol', 'tcp_flags', 'traffic_path']);
const kInt64 = new Set(['packets', 'bytes', 'start', 'end']);

async function main() {
  const [input, output, codec, version, dict, rowGroup] = process.argv.slice(2);
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const header = require('fs').readFileSync(input, 'utf8').split('\n')[0].trim().split(',');
  const types = header.map((c) => `'${c}': '${kInt32.has(c) ? 'INTEGER' : kInt64.has(c) ? 'BIGINT' : 'VARCHAR'}'`);
  const q = (s) => s.replace(/'/g, "''");
  const opts = [`FORMAT parquet`, `COMPRESSION ${codec}`, `PARQUET_VERSION ${version}`];
  if (rowGroup) opts.push(`ROW_GROUP_SIZE ${Number(rowGroup)}`);
  if (dict === 'plain') opts.push(`DICTIONARY_SIZE_LIMIT 1`);
  await con.run(`COPY (SELECT * FROM read_csv('${q(input)}', header = true, nullstr = '', ` +
                `columns = {${types.join(', ')}})) TO '${q(output)}' (${opts.join(', ')})`);
  // What DuckDB chose, for the test to check that each variant is what it
  // claims to be: "<encodings> <codecs> row_groups=<n>" on stdout, each list
  // sorted (string_agg's order is otherwise the engine's, and varied).
  const r = await con.runAndReadAll(
      `SELECT string_agg(DISTINCT encodings, ',' ORDER BY encodings), ` +
      `string_agg(DISTINCT compression, ',' ORDER BY compression), ` +
      `count(DISTINCT row_group_id) FROM parquet_metadata('${q(output)}')`);
  const [enc, codecs, groups] = r.getRows()[0];
  console.log(`${enc} ${codecs} row_groups=${groups}`);
}
main().catch((e) => { console.error(e.message); process.exit(1); });
