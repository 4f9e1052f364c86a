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

  // Records (weighted) behind these sums: every record is ACCEPT or REJECT.
  int64_t records() const { return flows + rejected; }

  void merge(const Sums& o) {
    bytes_read += o.bytes_read;
    bytes_written += o.bytes_written;
    packets += o.packets;
    flows += o.flows;
    rejected += o.rejected;
    first_seen = std::min(first_seen, o.first_seen);
    last_seen = std::max(last_seen, o.last_seen);
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

// Open-addressing (linear probing) map from (client, server, ENI) to Sums,
// stored flat: a probe is one or two cache lines, where std::unordered_map
// chased a node pointer per lookup (with the ENI map, half the run time in
// perf on 2 M records before these tables).
class TripleTable {
 public:
  struct Slot {
    TripleKey key;  // key.eni == kEmpty: free slot
    Sums sums;
  };
  static constexpr uint32_t kEmpty = UINT32_MAX;

  TripleTable() { reset(1024); }

  static size_t hash_of(const TripleKey& key) { return TripleHash()(key); }

  // Hints the CPU to fetch the slot `hash` starts probing at.
  void prefetch(size_t hash) const {
    const Slot* s = &slots_[hash & (slots_.size() - 1)];
    __builtin_prefetch(s);
    __builtin_prefetch(reinterpret_cast<const char*>(s) + 64);
  }

  Sums& find_or_insert(const TripleKey& key) { return find_or_insert(key, hash_of(key)); }

  Sums& find_or_insert(const TripleKey& key, size_t hash) {
    size_t i = hash & (slots_.size() - 1);
    while (true) {
      Slot& s = slots_[i];
      if (s.key.eni == kEmpty) break;
      if (s.key == key) return s.sums;
      i = (i + 1) & (slots_.size() - 1);
    }
    if ((size_ + 1) * 2 > slots_.size()) {
      grow();
      return find_or_insert(key, hash);
    }
    Slot& s = slots_[i];
    s.key = key;
    ++size_;
    return s.sums;
  }

  template <typename F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.key.eni != kEmpty) f(s.key, s.sums);
    }
  }
  size_t size() const { return size_; }

 private:
  void reset(size_t capacity) {
    slots_.assign(capacity, Slot{});
    for (Slot& s : slots_) s.key.eni = kEmpty;
    size_ = 0;
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    reset(old.size() * 2);
    for (const Slot& s : old) {
      if (s.key.eni != kEmpty) find_or_insert(s.key) = s.sums;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// Interns interface ids to small integers. Ids up to 24 bytes ("eni-" + 17
// hex digits is 21) live inline, as three words, in a flat table; longer
// ones in a map.
class EniInterner {
 public:
  EniInterner() { slots_.resize(256); }

  uint32_t intern(std::string_view name) {
    if (name.size() > kInline || name.empty()) return intern_long(name);
    Slot probe;
    char buf[kInline] = {};
    std::memcpy(buf, name.data(), name.size());
    std::memcpy(probe.w, buf, sizeof probe.w);
    probe.len = static_cast<uint32_t>(name.size());
    if (same(last_, probe)) return last_.id;
    size_t i = hash(probe) & (slots_.size() - 1);
    while (true) {
      const Slot& s = slots_[i];
      if (s.len == 0) break;
      if (same(s, probe)) {
        last_ = s;
        return s.id;
      }
      i = (i + 1) & (slots_.size() - 1);
    }
    if ((inline_count_ + 1) * 2 > slots_.size()) {
      grow();
      return intern(name);
    }
    probe.id = add_name(name);
    slots_[i] = probe;
    last_ = probe;
    ++inline_count_;
    return probe.id;
  }

  const std::string& name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  static constexpr size_t kInline = 24;
  struct Slot {
    uint64_t w[3] = {0, 0, 0};
    uint32_t len = 0;  // 0: empty slot
    uint32_t id = 0;
  };

  static bool same(const Slot& a, const Slot& b) {
    return ((a.w[0] ^ b.w[0]) | (a.w[1] ^ b.w[1]) | (a.w[2] ^ b.w[2]) | (a.len ^ b.len)) == 0;
  }
  static size_t hash(const Slot& s) {
    return static_cast<size_t>(mix(s.w[0] ^ mix(s.w[1] ^ mix(s.w[2] + s.len))));
  }
  uint32_t add_name(std::string_view name) {
    names_.emplace_back(name);
    return static_cast<uint32_t>(names_.size() - 1);
  }
  uint32_t intern_long(std::string_view name) {
    auto it = long_ids_.find(name);
    if (it != long_ids_.end()) return it->second;
    const uint32_t id = add_name(name);
    long_ids_.emplace(std::string(name), id);
    return id;
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.len == 0) continue;
      size_t i = hash(s) & (slots_.size() - 1);
      while (slots_[i].len != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t inline_count_ = 0;
  Slot last_;  // consecutive records often share an ENI (len 0: none yet)
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> long_ids_;
};

}  // namespace

struct Aggregator::Impl {
  const AggregateConfig* config;
  std::vector<IpAddress> server_ips;  // sorted copy for binary search
  FlowStats stats;
  EniInterner enis;
  TripleTable triples;
  std::vector<Observation> observations;

  // Records on their way into `triples`. The table outgrows the caches on
  // big inputs, so each lookup is a likely cache miss; add() computes the
  // hash and prefetches the slot, and the update happens kBatch records
  // later, by when the slot is in cache.
  static constexpr size_t kBatch = 16;
  struct Pending {
    TripleKey key;
    size_t hash;
    int64_t bytes;
    int64_t packets;
    int64_t start;
    int64_t end;
    int64_t flows;
    bool reject;
    bool server_is_dst;
  };
  Pending pending[kBatch];
  size_t pending_count = 0;

  explicit Impl(const AggregateConfig* c) : config(c), server_ips(c->server_ips) {
    std::sort(server_ips.begin(), server_ips.end());
  }

  bool is_server_ip(const IpAddress& ip) const {
    return std::binary_search(server_ips.begin(), server_ips.end(), ip);
  }

  void flush() {
    for (size_t i = 0; i < pending_count; ++i) {
      const Pending& p = pending[i];
      Sums& s = triples.find_or_insert(p.key, p.hash);
      if (p.reject) {
        s.rejected += p.flows;
      } else {
        (p.server_is_dst ? s.bytes_written : s.bytes_read) += p.bytes;
        s.packets += p.packets;
        s.flows += p.flows;
      }
      s.first_seen = std::min(s.first_seen, p.start);
      s.last_seen = std::max(s.last_seen, p.end);
    }
    pending_count = 0;
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
    const uint32_t eni = m.enis.intern(r.interface_id);
    Impl::Pending& p = m.pending[m.pending_count];
    p.key = TripleKey{server_is_dst ? r.src : r.dst, server_is_dst ? r.dst : r.src, eni};
    p.hash = TripleTable::hash_of(p.key);
    m.triples.prefetch(p.hash);
    p.bytes = r.bytes;
    p.packets = r.packets;
    p.start = r.start;
    p.end = r.end;
    p.flows = r.flows;
    p.reject = r.action == Action::kReject;
    p.server_is_dst = server_is_dst;
    if (++m.pending_count == Impl::kBatch) m.flush();
  } else {
    m.observations.push_back(Observation{r.src, r.dst, r.packets, r.bytes, r.start, r.end, r.flows,
                                         order, r.src_port, r.dst_port, r.protocol,
                                         r.action == Action::kReject, server_is_dst});
  }
}

void Aggregator::merge(Aggregator&& other) {
  Impl& m = *impl_;
  Impl& o = *other.impl_;
  m.flush();
  o.flush();
  m.stats += o.stats;
  std::vector<uint32_t> remap(o.enis.size());
  for (uint32_t i = 0; i < o.enis.size(); ++i) remap[i] = m.enis.intern(o.enis.name(i));
  o.triples.for_each([&](const TripleKey& key, const Sums& sums) {
    TripleKey k = key;
    k.eni = remap[key.eni];
    m.triples.find_or_insert(k).merge(sums);
  });
  m.observations.insert(m.observations.end(), o.observations.begin(), o.observations.end());
  other.impl_ = std::make_unique<Impl>(o.config);
}

std::vector<PairTotals> Aggregator::finish(FlowStats* stats) {
  Impl& m = *impl_;
  m.flush();
  std::map<PairKey, Sums> pairs;

  // Interface-id rule: group (client, server, ENI) by pair, pick one ENI.
  struct Entry {
    const TripleKey* key;
    const Sums* sums;
  };
  std::vector<Entry> entries;
  entries.reserve(m.triples.size());
  // own(e) from the triples: a record's address set is {client, server} of
  // its triple, so intersecting over triples equals intersecting over records.
  std::vector<OwnSet> own(m.enis.size());
  m.triples.for_each([&](const TripleKey& key, const Sums& sums) {
    entries.push_back({&key, &sums});
    own[key.eni].observe(key.client, key.server);
  });
  std::sort(entries.begin(), entries.end(), [&](const Entry& x, const Entry& y) {
    if (x.key->client != y.key->client) return x.key->client < y.key->client;
    if (x.key->server != y.key->server) return x.key->server < y.key->server;
    return m.enis.name(x.key->eni) < m.enis.name(y.key->eni);
  });
  std::vector<std::string> known = m.config->server_enis;
  std::sort(known.begin(), known.end());
  auto is_known = [&](uint32_t eni) {
    return std::binary_search(known.begin(), known.end(), m.enis.name(eni));
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
      if (own[entries[k].key->eni].is_only(server)) chosen = k;
    }
    for (size_t k = i; k < j && chosen == j; ++k) {
      if (own[entries[k].key->eni].is_only(client)) chosen = k;
    }
    if (chosen == j) chosen = i;
    for (size_t k = i; k < j; ++k) {
      if (k == chosen) {
        m.stats.used += entries[k].sums->records();
        pairs[PairKey{client, server}].merge(*entries[k].sums);
      } else {
        m.stats.duplicates += entries[k].sums->records();
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
