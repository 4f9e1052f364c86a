efstop --output tsv --quiet pairs.log
