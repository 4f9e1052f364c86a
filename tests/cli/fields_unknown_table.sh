# The same in the table, with the summary's unknown-address, unknown-bytes and
# unknown-packets counts; PACKETS shows N+? for rows with some counts unknown.
efstop --wide --top 0 --threads 1 unknown.log
