#include "flowlog/aggregate.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string_view>
#include <unordered_map>

namespace efstop::flowlog {

FlowStats& FlowStats::operator+=(const FlowStats& o) {
  lines += o.lines;
  records += o.records;
  used += o.used;
  skipped += o.skipped;
  nodata += o.nodata;
  skipdata += o.skipdata;
  not_efs += o.not_efs;
  outside_window += o.outside_window;
  duplicates += o.duplicates;
  files += o.files;
  files_failed += o.files_failed;
  return *this;
}

namespace {

inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

// (client, server, interface) with the interface interned per aggregator.
struct TripleKey {
  IpAddress client;
  IpAddress server;
  uint32_t eni = 0;
  friend bool operator==(const TripleKey&, const TripleKey&) = default;
};

struct TripleHash {
  size_t operator()(const TripleKey& k) const {
    return static_cast<size_t>(
        mix(k.client.hash() ^ (k.server.hash() * 0x9E3779B97F4A7C15ull) ^ k.eni));
  }
};

// Partial sums of one (client, server, ENI), all records that reached step 5.
struct Sums {
  int64_t bytes_read = 0;
  int64_t bytes_written = 0;
  int64_t packets = 0;
  int64_t flows = 0;
  int64_t rejected = 0;
  int64_t first_seen = INT64_MAX;
  int64_t last_seen = INT64_MIN;
  int64_t records = 0;

  void merge(const Sums& o) {
    bytes_read += o.bytes_read;
    bytes_written += o.bytes_written;
    packets += o.packets;
    flows += o.flows;
    rejected += o.rejected;
    first_seen = std::min(first_seen, o.first_seen);
    last_seen = std::max(last_seen, o.last_seen);
    records += o.records;
  }
};

inline void add_record(Sums* s, const FlowRecord& r, bool server_is_dst) {
  if (r.action == Action::kReject) {
    s->rejected += r.flows;
  } else {
    (server_is_dst ? s->bytes_written : s->bytes_read) += r.bytes;
    s->packets += r.packets;
    s->flows += r.flows;
  }
  s->first_seen = std::min(s->first_seen, r.start);
  s->last_seen = std::max(s->last_seen, r.end);
  s->records += r.flows;
}

// own(e): the addresses present in every record of ENI e (at most two).
struct OwnSet {
  int count = -1;  // -1: no record yet
  IpAddress a;
  IpAddress b;

  void observe(const IpAddress& src, const IpAddress& dst) {
    if (count < 0) {
      a = src;
      b = dst;
      count = (src == dst) ? 1 : 2;
      return;
    }
    intersect_with(src, dst, src == dst ? 1 : 2);
  }
  void intersect_with(const IpAddress& x, const IpAddress& y, int n) {
    auto in = [&](const IpAddress& v) { return v == x || (n == 2 && v == y); };
    IpAddress keep[2];
    int k = 0;
    if (count >= 1 && in(a)) keep[k++] = a;
    if (count >= 2 && in(b)) keep[k++] = b;
    count = k;
    if (k >= 1) a = keep[0];
    if (k >= 2) b = keep[1];
  }
  void merge(const OwnSet& o) {
    if (o.count < 0) return;
    if (count < 0) {
      *this = o;
      return;
    }
    intersect_with(o.a, o.b, o.count);
  }
  bool is_only(const IpAddress& v) const { return count == 1 && a == v; }
};

// A record kept for the 5-tuple overlap rule (formats without interface-id).
struct Observation {
  IpAddress src;
  IpAddress dst;
  int64_t packets;
  int64_t bytes;
  int64_t start;
  int64_t end;
  int64_t flows;
  uint64_t order;
  uint16_t src_port;
  uint16_t dst_port;
  uint8_t protocol;
  bool reject;
  bool server_is_dst;

  auto flow_key() const { return std::tie(src, dst, src_port, dst_port, protocol, packets, bytes); }
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};

struct PairKey {
  IpAddress client;
  IpAddress server;
  friend auto operator<=>(const PairKey&, const PairKey&) = default;
};

}  // namespace

struct Aggregator::Impl {
  const AggregateConfig* config;
  std::vector<IpAddress> server_ips;  // sorted copy for binary search
  FlowStats stats;

  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> eni_ids;
  std::vector<std::string> eni_names;
  std::vector<OwnSet> eni_own;
  uint32_t last_eni = UINT32_MAX;

  std::unordered_map<TripleKey, Sums, TripleHash> triples;
  std::vector<Observation> observations;

  explicit Impl(const AggregateConfig* c) : config(c), server_ips(c->server_ips) {
    std::sort(server_ips.begin(), server_ips.end());
    triples.reserve(1024);
  }

  bool is_server_ip(const IpAddress& ip) const {
    return std::binary_search(server_ips.begin(), server_ips.end(), ip);
  }

  uint32_t intern(std::string_view name) {
    if (last_eni != UINT32_MAX && eni_names[last_eni] == name) return last_eni;
    auto it = eni_ids.find(name);
    if (it == eni_ids.end()) {
      const uint32_t id = static_cast<uint32_t>(eni_names.size());
      eni_names.emplace_back(name);
      eni_own.emplace_back();
      it = eni_ids.emplace(std::string(name), id).first;
    }
    last_eni = it->second;
    return last_eni;
  }
};

Aggregator::Aggregator(const AggregateConfig* config) : impl_(std::make_unique<Impl>(config)) {}
Aggregator::~Aggregator() = default;
Aggregator::Aggregator(Aggregator&&) noexcept = default;
Aggregator& Aggregator::operator=(Aggregator&&) noexcept = default;

void Aggregator::add(const FlowRecord& r, uint64_t order) {
  Impl& m = *impl_;
  m.stats.records += r.flows;
  // 2. NODATA / SKIPDATA (not subject to the window).
  if (r.log_status != LogStatus::kOk) {
    (r.log_status == LogStatus::kNoData ? m.stats.nodata : m.stats.skipdata) += r.flows;
    return;
  }
  // 3. Window on start.
  const AggregateConfig& cfg = *m.config;
  if ((cfg.window_start && r.start < *cfg.window_start) ||
      (cfg.window_end && r.start >= *cfg.window_end)) {
    m.stats.outside_window += r.flows;
    return;
  }
  // 4. EFS filter; decides which end is the server.
  bool server_is_dst;
  if (!m.server_ips.empty()) {
    const bool src_is = m.is_server_ip(r.src);
    const bool dst_is = m.is_server_ip(r.dst);
    if (!src_is && !dst_is) {
      m.stats.not_efs += r.flows;
      return;
    }
    if (src_is && dst_is) {
      server_is_dst = !(r.src_port == kNfsPort && r.dst_port != kNfsPort);
    } else {
      server_is_dst = dst_is;
    }
  } else {
    if (r.protocol != 6 || (r.dst_port != kNfsPort && r.src_port != kNfsPort)) {
      m.stats.not_efs += r.flows;
      return;
    }
    server_is_dst = r.dst_port == kNfsPort;
  }
  // 5. Once per flow: collected here, decided in finish().
  if (!r.interface_id.empty()) {
    const uint32_t eni = m.intern(r.interface_id);
    m.eni_own[eni].observe(r.src, r.dst);
    TripleKey key{server_is_dst ? r.src : r.dst, server_is_dst ? r.dst : r.src, eni};
    add_record(&m.triples[key], r, server_is_dst);
  } else {
    m.observations.push_back(Observation{r.src, r.dst, r.packets, r.bytes, r.start, r.end, r.flows,
                                         order, r.src_port, r.dst_port, r.protocol,
                                         r.action == Action::kReject, server_is_dst});
  }
}

void Aggregator::merge(Aggregator&& other) {
  Impl& m = *impl_;
  Impl& o = *other.impl_;
  m.stats += o.stats;
  std::vector<uint32_t> remap(o.eni_names.size());
  for (size_t i = 0; i < o.eni_names.size(); ++i) {
    remap[i] = m.intern(o.eni_names[i]);
    m.eni_own[remap[i]].merge(o.eni_own[i]);
  }
  for (const auto& [key, sums] : o.triples) {
    TripleKey k = key;
    k.eni = remap[key.eni];
    m.triples[k].merge(sums);
  }
  m.observations.insert(m.observations.end(), o.observations.begin(), o.observations.end());
  other.impl_ = std::make_unique<Impl>(o.config);
}

std::vector<PairTotals> Aggregator::finish(FlowStats* stats) {
  Impl& m = *impl_;
  std::map<PairKey, Sums> pairs;

  // Interface-id rule: group (client, server, ENI) by pair, pick one ENI.
  struct Entry {
    const TripleKey* key;
    const Sums* sums;
  };
  std::vector<Entry> entries;
  entries.reserve(m.triples.size());
  for (const auto& [key, sums] : m.triples) entries.push_back({&key, &sums});
  std::sort(entries.begin(), entries.end(), [&](const Entry& x, const Entry& y) {
    if (x.key->client != y.key->client) return x.key->client < y.key->client;
    if (x.key->server != y.key->server) return x.key->server < y.key->server;
    return m.eni_names[x.key->eni] < m.eni_names[y.key->eni];
  });
  std::vector<std::string> known = m.config->server_enis;
  std::sort(known.begin(), known.end());
  auto is_known = [&](uint32_t eni) {
    return std::binary_search(known.begin(), known.end(), m.eni_names[eni]);
  };
  for (size_t i = 0; i < entries.size();) {
    size_t j = i;
    while (j < entries.size() && entries[j].key->client == entries[i].key->client &&
           entries[j].key->server == entries[i].key->server) {
      ++j;
    }
    // Entries [i, j) are one pair, sorted by interface-id: the first match
    // of each rule is the smallest id.
    const IpAddress& client = entries[i].key->client;
    const IpAddress& server = entries[i].key->server;
    size_t chosen = j;
    for (size_t k = i; k < j && chosen == j; ++k) {
      if (is_known(entries[k].key->eni)) chosen = k;
    }
    for (size_t k = i; k < j && chosen == j; ++k) {
      if (m.eni_own[entries[k].key->eni].is_only(server)) chosen = k;
    }
    for (size_t k = i; k < j && chosen == j; ++k) {
      if (m.eni_own[entries[k].key->eni].is_only(client)) chosen = k;
    }
    if (chosen == j) chosen = i;
    for (size_t k = i; k < j; ++k) {
      if (k == chosen) {
        m.stats.used += entries[k].sums->records;
        pairs[PairKey{client, server}].merge(*entries[k].sums);
      } else {
        m.stats.duplicates += entries[k].sums->records;
      }
    }
    i = j;
  }

  // 5-tuple overlap rule: within one flow key, sorted by (start, end, input
  // order), keep a record unless it overlaps one already kept.
  std::vector<Observation>& obs = m.observations;
  std::sort(obs.begin(), obs.end(), [](const Observation& x, const Observation& y) {
    if (x.flow_key() != y.flow_key()) return x.flow_key() < y.flow_key();
    return std::tie(x.start, x.end, x.order) < std::tie(y.start, y.end, y.order);
  });
  std::vector<const Observation*> kept;
  for (size_t i = 0; i < obs.size();) {
    size_t j = i;
    while (j < obs.size() && obs[j].flow_key() == obs[i].flow_key()) ++j;
    kept.clear();
    int64_t max_kept_end = INT64_MIN;
    for (size_t k = i; k < j; ++k) {
      const Observation& o = obs[k];
      bool overlaps;
      if (o.start <= o.end) {
        // Every kept record starts no later than o, so it overlaps o exactly
        // when it ends at or after o's start.
        overlaps = max_kept_end >= o.start;
      } else {
        overlaps = std::any_of(kept.begin(), kept.end(), [&](const Observation* q) {
          return q->start <= o.end && o.start <= q->end;
        });
      }
      if (overlaps) {
        m.stats.duplicates += o.flows;
        continue;
      }
      kept.push_back(&o);
      max_kept_end = std::max(max_kept_end, o.end);
      m.stats.used += o.flows;
      FlowRecord r;
      r.bytes = o.bytes;
      r.packets = o.packets;
      r.start = o.start;
      r.end = o.end;
      r.flows = o.flows;
      r.action = o.reject ? Action::kReject : Action::kAccept;
      const PairKey key{o.server_is_dst ? o.src : o.dst, o.server_is_dst ? o.dst : o.src};
      add_record(&pairs[key], r, o.server_is_dst);
    }
    i = j;
  }

  std::vector<PairTotals> out;
  out.reserve(pairs.size());
  for (const auto& [key, s] : pairs) {
    PairTotals t;
    t.client = key.client;
    t.server = key.server;
    t.bytes_read = s.bytes_read;
    t.bytes_written = s.bytes_written;
    t.packets = s.packets;
    t.flows = s.flows;
    t.rejected = s.rejected;
    t.first_seen = s.first_seen;
    t.last_seen = s.last_seen;
    out.push_back(t);
  }
  *stats += m.stats;
  impl_ = std::make_unique<Impl>(m.config);
  return out;
}

}  // namespace efstop::flowlog
