efstop --sort packets --top 2 --quiet pairs.log
