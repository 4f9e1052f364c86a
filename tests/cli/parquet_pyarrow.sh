# Parquet files pyarrow wrote (data/pyarrow/README.md: SNAPPY, GZIP, ZSTD and
# uncompressed pages, data pages v1 and v2, with and without dictionaries,
# row groups of 4 rows) give the report of the same records as text: the
# rows (TSV: exact bytes) and the summary, byte for byte. pairs.log's first 15 lines are its
# well-formed records (line 16 is cut short on purpose); their numbers are
# worked by hand in data/README.md.
text=$(head -n 15 pairs.log | efstop --output tsv - 2>&1)
printf '%s\n' "$text"
for f in pyarrow/pairs-*-v*.parquet; do
  [[ $f == *brotli* ]] && continue
  out=$(efstop --output tsv "$f" 2>&1)
  if [[ $out == "$text" ]]; then echo "$f: the text's report"; else echo "$f: differs"; diff <(printf '%s\n' "$text") <(printf '%s\n' "$out"); fi
done
# '-' in any field (NULL in Parquet), with a header naming the fields.
text=$(efstop --output json --top 0 unknown.log 2>&1 | grep -v '"elapsed')
out=$(efstop --output json --top 0 pyarrow/unknown-snappy-v1-dict.parquet 2>&1 | grep -v '"elapsed' | sed 's|pyarrow/unknown-snappy-v1-dict.parquet|unknown.log|g')
if [[ $out == "$text" ]]; then echo "unknown-snappy-v1-dict.parquet: the text's report"; else echo "unknown: differs"; diff <(printf '%s\n' "$text") <(printf '%s\n' "$out"); fi
# A codec efstop does not decode is refused by name, with the column and offset.
efstop pyarrow/pairs-brotli-v1-dict.parquet 2>&1
echo "exit $?"
