# A labels file that cannot be read is an error that names it.
efstop --labels no-such-labels.txt --output csv pairs.log
