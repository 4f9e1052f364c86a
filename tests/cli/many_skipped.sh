# The first 5 malformed lines per input are shown, then a count of the rest;
# when nothing parses, a note points at the format.
printf 'bad line\n%.0s' 1 2 3 4 5 6 7 | efstop --output csv -
