# aggregate.awk: efstop's counting rule as an awk program, the "what would a shell one-liner
# cost" baseline of the whole-process benchmark (bench/whole/run.sh).
#
#   awk -f aggregate.awk [-v server_ips=FILE] [-v log_format='${...} ...'] FILE...
#   igzip -dc FILE.gz | awk -f aggregate.awk
#
# Prints one TSV row per (client, server) pair, largest bytes_total first:
#   client server bytes_read bytes_written bytes_total packets flows rejected first_seen last_seen
# and a last line "# stats lines=.. records=.. used=.. skipped=.. ...".
#
# What it does as efstop does (contract.md): field order from -v log_format, else each file's
# header line, else the default version-2 order; NODATA/SKIPDATA; the EFS filter (server IPs
# from a file, else TCP port 2049 on either end; the 2049 end is the server); both directions
# (client->server = written, server->client = read); REJECT rows counted, not summed; once per
# flow by the interface-id rule (own(e) = the addresses in every EFS record of ENI e, per
# address family, so a dual-stack mount target has one for each; per pair the ENI whose own set
# is {server}, else {client}, else the smallest id).
# What it simplifies:
# - validation: only the field count and digits-only packets/bytes/start/end/ports are checked
#   (no address syntax, no range checks, no action/log-status values);
# - no time window and no --min-bytes / --group-by / --top;
# - without an interface-id field every record counts (no 7-tuple overlap rule);
# - addresses are compared as text (IPv6 must already be in one spelling) and rows with equal
#   totals are ordered by text, not numerically;
# - sums are awk numbers (doubles): exact up to 2^53 bytes (9 PB) per row, enough here.

BEGIN {
  split("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets " \
        "bytes start end action log-status", default_fields, " ")
  known_list = "version account-id interface-id srcaddr dstaddr srcport dstport protocol " \
               "packets bytes start end action log-status vpc-id subnet-id instance-id " \
               "tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type " \
               "sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction " \
               "traffic-path reject-reason"
  n = split(known_list, k, " ")
  for (i = 1; i <= n; i++) known[k[i]] = 1
  if (log_format != "") {
    nfixed = split(log_format, fixed, " ")
    for (i = 1; i <= nfixed; i++) { gsub(/^\$\{|\}$/, "", fixed[i]) }
  }
  have_servers = 0
  if (server_ips != "") {
    while ((getline line < server_ips) > 0) {
      gsub(/[ \t\r]/, "", line)
      if (line != "") { servers[line] = 1; have_servers = 1 }
    }
    close(server_ips)
  }
}

# Column numbers of the fields the rule needs, for the order in force.
function use_fields(names, count,    i) {
  nfields = count
  c_eni = c_src = c_dst = c_sport = c_dport = c_proto = c_packets = c_bytes = 0
  c_start = c_end = c_action = c_status = 0
  for (i = 1; i <= count; i++) {
    if (names[i] == "interface-id") c_eni = i
    else if (names[i] == "srcaddr") c_src = i
    else if (names[i] == "dstaddr") c_dst = i
    else if (names[i] == "srcport") c_sport = i
    else if (names[i] == "dstport") c_dport = i
    else if (names[i] == "protocol") c_proto = i
    else if (names[i] == "packets") c_packets = i
    else if (names[i] == "bytes") c_bytes = i
    else if (names[i] == "start") c_start = i
    else if (names[i] == "end") c_end = i
    else if (names[i] == "action") c_action = i
    else if (names[i] == "log-status") c_status = i
  }
}

FNR == 1 {
  if (log_format != "") use_fields(fixed, nfixed)
  else use_fields(default_fields, 14)
}

# A header line (also in the middle of a stream: igzip -dc a.gz b.gz | awk ...).
$1 in known {
  if (log_format == "") { for (i = 1; i <= NF; i++) hdr[i] = $i; use_fields(hdr, NF) }
  next
}

NF == 0 { next }

{
  lines++
  if (NF != nfields) { skipped++; next }
  if (c_status) {
    if ($c_status == "NODATA") { records++; nodata++; next }
    if ($c_status == "SKIPDATA") { records++; skipdata++; next }
  }
  if ($c_bytes !~ /^[0-9]+$/ || $c_packets !~ /^[0-9]+$/ || $c_start !~ /^[0-9]+$/ ||
      $c_end !~ /^[0-9]+$/ || $c_sport !~ /^[0-9]+$/ || $c_dport !~ /^[0-9]+$/) {
    skipped++; next
  }
  records++
  src = $c_src; dst = $c_dst
  if (have_servers) {
    if (dst in servers) server_is_dst = !((src in servers) && $c_sport == 2049 && $c_dport != 2049)
    else if (src in servers) server_is_dst = 0
    else { not_efs++; next }
  } else if ($c_proto == 6 && $c_dport == 2049) server_is_dst = 1
  else if ($c_proto == 6 && $c_sport == 2049) server_is_dst = 0
  else { not_efs++; next }
  if (server_is_dst) { client = src; server = dst } else { client = dst; server = src }
  eni = c_eni ? $c_eni : "-"

  # own(e): what is left of the first record's two addresses after every later record, one
  # set per address family (a record's two addresses are of one family).
  fe = eni SUBSEP family(src)
  if (!(fe in own1)) { own1[fe] = src; own2[fe] = (dst == src ? "" : dst) }
  else {
    if (own1[fe] != "" && own1[fe] != src && own1[fe] != dst) own1[fe] = ""
    if (own2[fe] != "" && own2[fe] != src && own2[fe] != dst) own2[fe] = ""
  }

  pair = client "\t" server
  key = pair SUBSEP eni
  if (!(key in recs)) { enis[pair] = enis[pair] " " eni; first[key] = $c_start; last[key] = $c_end }
  recs[key]++
  if ($c_start < first[key]) first[key] = $c_start
  if ($c_end > last[key]) last[key] = $c_end
  if (c_action && $c_action == "REJECT") { rejected[key]++; next }
  flows[key]++
  packets[key] += $c_packets
  if (server_is_dst) written[key] += $c_bytes
  else read[key] += $c_bytes
}

function family(addr) { return index(addr, ":") ? 6 : 4 }

function own_is(e, addr,    fe) {
  fe = e SUBSEP family(addr)
  return (own1[fe] == addr && (own2[fe] == "" || own2[fe] == addr)) ||
         (own2[fe] == addr && own1[fe] == "")
}

END {
  sort_cmd = "sort -t '\t' -k5,5nr -k1,1 -k2,2"
  used = 0
  for (pair in enis) {
    split(pair, ends, "\t")
    n = split(substr(enis[pair], 2), list, " ")
    by_server = by_client = smallest = ""
    for (i = 1; i <= n; i++) {
      e = list[i]
      if (smallest == "" || e < smallest) smallest = e
      if (own_is(e, ends[2]) && (by_server == "" || e < by_server)) by_server = e
      if (own_is(e, ends[1]) && (by_client == "" || e < by_client)) by_client = e
    }
    pick = by_server != "" ? by_server : (by_client != "" ? by_client : smallest)
    for (i = 1; i <= n; i++) {
      key = pair SUBSEP list[i]
      if (list[i] == pick) used += recs[key]
      else duplicates += recs[key]
    }
    key = pair SUBSEP pick
    printf "%s\t%.0f\t%.0f\t%.0f\t%.0f\t%d\t%d\t%d\t%d\n", pair, read[key], written[key],
           read[key] + written[key], packets[key], flows[key], rejected[key], first[key],
           last[key] | sort_cmd
  }
  close(sort_cmd)
  printf "# stats lines=%d records=%d used=%d skipped=%d nodata=%d skipdata=%d not_efs=%d " \
         "duplicates=%d\n", lines, records, used, skipped, nodata, skipdata, not_efs, duplicates
}
