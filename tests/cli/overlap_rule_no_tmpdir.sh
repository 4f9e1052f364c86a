# Records without interface-id are set aside in temporary files (in $TMPDIR)
# to bound memory. When that directory cannot be written, the totals are the
# same, worked out in memory, and a warning (shown even with --quiet) says
# so and what to do. 70,000 flows, each logged twice with overlapping times:
# more than one run of 65,536 records per thread.
gen() {
  seq 0 69999 | awk '{ printf "10.1.%d.%d 10.0.2.10 %d 2049 6 1 %d 60 119\n10.1.%d.%d 10.0.2.10 %d 2049 6 1 %d 61 120\n", $1 % 250, 1 + int($1 / 250) % 250, 1000 + $1 % 60000, 100 + $1, $1 % 250, 1 + int($1 / 250) % 250, 1000 + $1 % 60000, 100 + $1 }'
}
format='${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end}'
with_files=$(gen | efstop --log-format "$format" --output csv --top 3 --threads 1 --quiet -)
in_memory=$(gen | TMPDIR=/nonexistent/efstop-golden efstop --log-format "$format" --output csv --top 3 --threads 1 --quiet -)
[[ $with_files == "$in_memory" ]] && echo "same totals with and without temporary files"
echo "$in_memory"
