# The same in the table: PACKETS shows '-' (--wide shows the column), and the summary says
# how many used records had no packet count.
efstop --wide --threads 1 no_packets.log
