# A flow log without the packets field (AWS lets a flow log have any subset of fields):
# counted, packets unknown. JSON: packets null, with packets_known and packets_unknown;
# the REJECT row adds no packets, so its count is known (0).
efstop --output json --quiet --threads 1 no_packets.log
