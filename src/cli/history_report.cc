#include "cli/history_report.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "report/safe_text.h"
#include "report/units.h"

namespace efstop::cli {

namespace {

constexpr const char* kDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                 "Friday", "Saturday", "Sunday"};

std::string slot_name(ProfileBy by, int slot) {
  if (by == ProfileBy::kDayOfWeek) return kDays[slot % 7];
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:00", slot % 24);
  return buf;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += ',';
    out += p;
  }
  return out;
}

// What a person calls an end: its name, else its id, else its addresses.
std::string end_label(const report::End& end) {
  if (!end.name.empty()) return end.name;
  if (!end.id.empty()) return end.id;
  return join(end.ips);
}

nlohmann::json end_json(const report::End& end) {
  nlohmann::json j;
  j["ips"] = end.ips;
  if (!end.name.empty()) j["name"] = end.name;
  if (!end.kind.empty()) j["kind"] = end.kind;
  if (!end.id.empty()) j["id"] = end.id;
  if (!end.az.empty()) j["az"] = end.az;
  return j;
}

std::string csv_field(const std::string& text, bool csv) {
  std::string cell = report::sanitize_cell(text);
  if (!csv) return cell;
  if (cell.find_first_of(",\"") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

// Valid UTF-8 stays; every byte of an invalid sequence becomes U+FFFD
// (OpenMetrics text is UTF-8).
std::string valid_utf8(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = n > 0 && i + n <= s.size() && !(n == 2 && c < 0xC2);
    for (size_t k = 1; ok && k < n; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok && n == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && n == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// OpenMetrics label value: backslash, double quote and line feed escaped.
std::string label_value(std::string_view raw) {
  std::string out;
  for (char c : valid_utf8(raw)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Maps the pages of [lo, hi) (memory just allocated, about to be written)
// in one call instead of a page fault per page; a hint, ignored where the
// kernel (before 5.14) does not know it or the range is not all mapped.
void prefault(uintptr_t lo, uintptr_t hi) {
#ifndef MADV_POPULATE_WRITE
  constexpr int MADV_POPULATE_WRITE = 23;
#endif
  if (lo >= hi) return;
  const uintptr_t page = 4096;
  lo &= ~(page - 1);
  (void)madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_POPULATE_WRITE);
}

// The series of the rows that are in the window's first stored bucket, while
// reading: one slot of `buckets` cells (read, written; the bucket implied by
// position) per row, rows side by side, in one zeroed mapping marked for
// transparent huge pages. The rows come hour by hour, each hour adding one
// cell to each of thousands of rows: appended to a vector per row, each add
// was a store to its own 4 KiB page, and the page walks of those TLB misses
// (slow in a VM) were a large part of what --bucket cost on bench/history's store
// (docs/PERFORMANCE.md); 2 MiB pages cover the slots of 180 rows x 720
// hours each. Nothing is touched before it is used. The mapping is
// reserved at `budget` bytes; a row that does not fit gets no slot (the
// caller keeps a vector for it). Where mmap fails there are no slots.
class DenseSeries {
 public:
  struct Cell {
    int64_t bytes_read;
    int64_t bytes_written;
  };
  static constexpr size_t kPage = size_t{2} << 20;

  DenseSeries(size_t buckets, size_t budget) : buckets_(buckets) {
    capacity_ = buckets == 0 ? 0 : budget / sizeof(Cell) / buckets;
    if (capacity_ == 0) return;
    size_ = (capacity_ * buckets * sizeof(Cell) + kPage - 1) / kPage * kPage;
    // Reserved with room to align to a huge page; the unaligned head and
    // tail are given back.
    void* raw = mmap(nullptr, size_ + kPage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) {
      size_ = 0;
      capacity_ = 0;
      return;
    }
    const auto at = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (at + kPage - 1) & ~(uintptr_t{kPage} - 1);
    if (aligned > at) munmap(raw, aligned - at);
    if (at + kPage > aligned)
      munmap(reinterpret_cast<void*>(aligned + size_), at + kPage - aligned);
    cells_ = reinterpret_cast<Cell*>(aligned);
    (void)madvise(cells_, size_, MADV_HUGEPAGE);  // a hint: fine if refused
  }
  DenseSeries(const DenseSeries&) = delete;
  DenseSeries& operator=(const DenseSeries&) = delete;
  ~DenseSeries() {
    if (cells_ != nullptr) munmap(cells_, size_);
  }

  // The slot of the next row, or null when none is left.
  Cell* add_slot() { return used_ < capacity_ ? slot(used_++) : nullptr; }
  Cell* slot(size_t n) const { return cells_ + n * buckets_; }
  size_t slots() const { return used_; }

  // Gives back the pages wholly below slot `n` (their rows were read out).
  void release_below(size_t n) {
    const uintptr_t base = reinterpret_cast<uintptr_t>(cells_);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(slot(n)) - base) / kPage * kPage;
    if (end > released_) {
      (void)madvise(cells_ + released_ / sizeof(Cell), end - released_, MADV_DONTNEED);
      released_ = end;
    }
  }

 private:
  size_t buckets_;
  size_t size_ = 0;
  Cell* cells_ = nullptr;
  size_t capacity_ = 0;  // slots
  size_t used_ = 0;
  size_t released_ = 0;  // bytes from cells_ given back
};

}  // namespace

int profile_slots(ProfileBy by) { return by == ProfileBy::kHourOfDay ? 24 : 7; }

int profile_slot(ProfileBy by, int64_t t) {
  const int64_t day = (t >= 0 ? t : t - 86399) / 86400;
  if (by == ProfileBy::kHourOfDay) return static_cast<int>((t - day * 86400) / 3600);
  // 1970-01-01 was a Thursday (slot 3 with Monday = 0).
  return static_cast<int>(((day + 3) % 7 + 7) % 7);
}

Result<StorePairs> read_store_pairs(store::HistoryStore& history, int64_t from, int64_t to,
                                    int64_t bucket_s, std::optional<ProfileBy> by, int64_t series_s,
                                    size_t dense_budget) {
  StorePairs out;
  std::unordered_map<int64_t, uint32_t> index;  // (client id << 32 | server id) -> row
  const int slots = by ? profile_slots(*by) : 0;
  // While reading, each row's sums and series live in compact arrays beside
  // the rows (a Row, with its ends' texts, is hundreds of bytes: 5,000 of
  // them do not stay in cache), and go into the rows at the end.
  struct Sums {
    int64_t bytes_read = 0;
    int64_t bytes_written = 0;
    int64_t packets = 0;
    int64_t flows = 0;
    int64_t rejected = 0;
    int64_t packets_unknown = 0;
    int64_t bytes_unknown = 0;
    int64_t first_seen = INT64_MAX;
    int64_t last_seen = INT64_MIN;
    int64_t last_cell = INT64_MIN;      // the start of the series' last cell (rows without a slot)
    DenseSeries::Cell* slot = nullptr;  // the row's series (DenseSeries), or null: `cells`
  };
  std::vector<Sums> sums;
  std::vector<int64_t> keys;  // each row's index key
  std::vector<std::vector<report::BucketCell>> cells;  // the series of rows without a slot
  std::optional<DenseSeries> dense;  // from the first stored bucket on, with series_s
  // The rows come by bucket start, and each stored bucket mostly holds the
  // same pairs in the same order as the one before (the key order). So the
  // row expected at a position is the one the previous bucket had there:
  // when it is, no hash lookup, and the rows a few positions ahead are known
  // early enough to fetch their sums and the end of their series into the
  // cache before they are reached. Appending each row's cell to a vector
  // not in cache was half the time of `--since 30d --bucket 1h` on the
  // store of bench/history (docs/PERFORMANCE.md). A wrong guess costs only
  // the lookup.
  std::vector<uint32_t> previous_order;
  std::vector<uint32_t> order;
  int64_t current_start = INT64_MIN;
  constexpr size_t kAhead = 8;
  // The series bucket of the stored bucket current_start, and its number
  // from the first stored bucket's (the cell in a DenseSeries slot).
  int64_t series_start = 0;
  size_t series_at = 0;
  int64_t first_stored = INT64_MIN;  // the first stored bucket's start
  int64_t dense_start = 0;           // the series bucket of first_stored
  const auto floor_to = [](int64_t t, int64_t w) { return (t / w - (t % w < 0 ? 1 : 0)) * w; };
  Status s = history.read_buckets(from, to, [&](const store::BucketTotals& b) {
    if (out.buckets++ == 0) {
      first_stored = b.bucket_start;
      if (series_s > 0) {
        // Every row in the first stored bucket is taken to be there every
        // hour (the common case: the same clients each collection) and gets
        // a slot of cells up to the window's end.
        dense_start = floor_to(b.bucket_start, series_s);
        const int64_t n = (floor_to(to - 1, series_s) - dense_start) / series_s + 1;
        dense.emplace(n > 0 ? static_cast<size_t>(n) : 0, dense_budget);
      }
    }
    if (b.bucket_start != current_start) {
      previous_order.swap(order);
      order.clear();
      current_start = b.bucket_start;
      if (series_s > 0) {
        series_start = floor_to(b.bucket_start, series_s);
        series_at = static_cast<size_t>((series_start - dense_start) / series_s);
      }
    }
    const int64_t key = (b.client_id << 32) | b.server_id;
    const size_t at = order.size();
    uint32_t row;
    if (at < previous_order.size() && keys[previous_order[at]] == key) {
      row = previous_order[at];
    } else {
      auto [it, added] = index.try_emplace(key, static_cast<uint32_t>(out.rows.size()));
      if (added) {
        report::Row r;
        r.client = report::end_from_ip(b.client);
        r.server = report::end_from_ip(b.server);
        out.rows.push_back(std::move(r));
        sums.emplace_back();
        keys.push_back(key);
        if (by)
          out.profiles.push_back(Profile{std::vector<int64_t>(slots), std::vector<int64_t>(slots)});
        if (series_s > 0) {
          cells.emplace_back();
          // A row that comes later, or does not fit, keeps a vector.
          if (b.bucket_start == first_stored) sums.back().slot = dense->add_slot();
        }
      }
      row = it->second;
    }
    order.push_back(row);
    if (at + kAhead < previous_order.size()) {
      const uint32_t next = previous_order[at + kAhead];
      __builtin_prefetch(&sums[next], 1);
      if (series_s > 0) {
        const Sums& n = sums[next];
        if (n.slot != nullptr) {
          __builtin_prefetch(n.slot + series_at, 1);
        } else {
          __builtin_prefetch(cells[next].data() + cells[next].size(), 1);
        }
      }
    }
    Sums& c = sums[row];
    c.bytes_read += b.bytes_read;
    c.bytes_written += b.bytes_written;
    c.packets += b.packets;
    c.flows += b.flows;
    c.rejected += b.rejected;
    c.packets_unknown += b.packets_unknown;
    c.bytes_unknown += b.bytes_unknown;
    c.first_seen = std::min(c.first_seen, b.bucket_start);
    c.last_seen = std::max(c.last_seen, b.bucket_start + bucket_s);
    if (series_s > 0 && c.slot != nullptr) {
      DenseSeries::Cell& d = c.slot[series_at];
      d.bytes_read += b.bytes_read;
      d.bytes_written += b.bytes_written;
    } else if (series_s > 0) {
      // Rows come by bucket_start, so each row's cells come in order.
      std::vector<report::BucketCell>& v = cells[row];
      if (c.last_cell != series_start) {
        v.push_back({series_start, b.bytes_read, b.bytes_written});
        c.last_cell = series_start;
      } else {
        v.back().bytes_read += b.bytes_read;
        v.back().bytes_written += b.bytes_written;
      }
    }
    if (by) {
      Profile& p = out.profiles[row];
      const int slot = profile_slot(*by, b.bucket_start);
      p.read[slot] += b.bytes_read;
      p.written[slot] += b.bytes_written;
    }
  });
  if (!s.ok()) return s;
  for (size_t i = 0; i < out.rows.size(); ++i) {
    report::Counters& c = out.rows[i].counters;
    const Sums& x = sums[i];
    c.bytes_read = x.bytes_read;
    c.bytes_written = x.bytes_written;
    c.packets = x.packets;
    c.flows = x.flows;
    c.rejected = x.rejected;
    c.packets_unknown = x.packets_unknown;
    c.bytes_unknown = x.bytes_unknown;
    c.first_seen = x.first_seen;  // every row has a bucket, so both are set
    c.last_seen = x.last_seen;
    if (series_s > 0 && x.slot == nullptr) {
      std::vector<report::BucketCell>& v = out.rows[i].series.cells;
      v = std::move(cells[i]);
      // A stored bucket without bytes (only rejected records, or bytes
      // unknown) made a cell; a series holds only buckets with bytes.
      std::erase_if(v, [](const report::BucketCell& b) { return b.bytes_total() == 0; });
    }
  }
  if (series_s == 0 || !dense || dense->slots() == 0) return out;
  // The slots into the rows' vectors, a batch of rows at a time: each
  // batch's vectors are sized, their pages mapped in one call (a page fault
  // per 4 KiB page was a fifth of the time: faults are slow in this kind of
  // VM), filled, and the batch's slots given back. Slots are given to the
  // first rows, in row order.
  const size_t n = static_cast<size_t>((floor_to(to - 1, series_s) - dense_start) / series_s) + 1;
  constexpr size_t kBatch = 256;
  for (size_t i0 = 0; i0 < dense->slots(); i0 += kBatch) {
    const size_t i1 = std::min(dense->slots(), i0 + kBatch);
    uintptr_t lo = UINTPTR_MAX;
    uintptr_t hi = 0;
    size_t bytes = 0;
    for (size_t i = i0; i < i1; ++i) {
      const DenseSeries::Cell* slot = sums[i].slot;
      size_t used = 0;
      for (size_t k = 0; k < n; ++k) used += (slot[k].bytes_read | slot[k].bytes_written) != 0;
      std::vector<report::BucketCell>& v = out.rows[i].series.cells;
      v.reserve(used);
      if (used == 0) continue;
      lo = std::min(lo, reinterpret_cast<uintptr_t>(v.data()));
      hi = std::max(hi, reinterpret_cast<uintptr_t>(v.data() + used));
      bytes += used * sizeof(report::BucketCell);
    }
    if (hi - lo <= 2 * bytes + 65536) {
      prefault(lo, hi);  // the vectors lie close together (the heap's top, as a rule)
    } else {
      // Far apart (big vectors are mappings of their own): each vector's own
      // pages only, never memory between them.
      for (size_t i = i0; i < i1; ++i) {
        const std::vector<report::BucketCell>& v = out.rows[i].series.cells;
        prefault(reinterpret_cast<uintptr_t>(v.data()),
                 reinterpret_cast<uintptr_t>(v.data() + v.capacity()));
      }
    }
    for (size_t i = i0; i < i1; ++i) {
      const DenseSeries::Cell* slot = sums[i].slot;
      std::vector<report::BucketCell>& v = out.rows[i].series.cells;
      for (size_t k = 0; k < n; ++k) {
        if ((slot[k].bytes_read | slot[k].bytes_written) != 0) {
          v.push_back({dense_start + static_cast<int64_t>(k) * series_s, slot[k].bytes_read,
                       slot[k].bytes_written});
        }
      }
    }
    dense->release_below(i1);
  }
  return out;
}

std::vector<Profile> fold_profiles(const std::vector<report::Row>& rows, const StorePairs& pairs,
                                   ProfileBy by) {
  const int slots = profile_slots(by);
  std::vector<Profile> out(rows.size(),
                           Profile{std::vector<int64_t>(slots), std::vector<int64_t>(slots)});
  auto has = [](const std::optional<report::End>& end, const std::string& ip) {
    if (!end || end->ips.empty()) return true;
    return std::find(end->ips.begin(), end->ips.end(), ip) != end->ips.end();
  };
  // Candidate rows by address of the end every row has (rows of one report
  // all have the same ends), so a pair is checked against few rows.
  const bool by_client = !rows.empty() && rows.front().client.has_value();
  std::unordered_map<std::string, std::vector<size_t>> candidates;
  for (size_t r = 0; r < rows.size(); ++r) {
    const std::optional<report::End>& end = by_client ? rows[r].client : rows[r].server;
    if (!end) continue;
    for (const std::string& ip : end->ips) candidates[ip].push_back(r);
  }
  for (size_t p = 0; p < pairs.rows.size(); ++p) {
    const std::string& client = pairs.rows[p].client->ips.front();
    const std::string& server = pairs.rows[p].server->ips.front();
    auto it = candidates.find(by_client ? client : server);
    if (it == candidates.end()) continue;
    for (size_t r : it->second) {
      if (has(rows[r].client, client) && has(rows[r].server, server)) {
        for (int k = 0; k < slots; ++k) {
          out[r].read[k] += pairs.profiles[p].read[k];
          out[r].written[k] += pairs.profiles[p].written[k];
        }
        break;
      }
    }
  }
  return out;
}

std::optional<Peak> find_peak(const Profile& profile) {
  int64_t read = 0;
  int64_t written = 0;
  for (int64_t v : profile.read) read += v;
  for (int64_t v : profile.written) written += v;
  Peak peak;
  peak.written = written >= read;
  const std::vector<int64_t>& v = peak.written ? profile.written : profile.read;
  peak.direction_total = peak.written ? written : read;
  if (peak.direction_total <= 0) return std::nullopt;
  const int n = static_cast<int>(v.size());
  for (int len = 1; len <= n / 2; ++len) {
    bool found = false;
    for (int start = 0; start < n; ++start) {
      int64_t sum = 0;
      for (int k = 0; k < len; ++k) sum += v[(start + k) % n];
      // sum / total >= 80 %, in integers.
      if (sum * 5 >= peak.direction_total * 4 && (!found || sum > peak.bytes)) {
        found = true;
        peak.start = start;
        peak.length = len;
        peak.bytes = sum;
      }
    }
    if (found) return peak;
  }
  return std::nullopt;
}

std::string peak_sentence(const Peak& peak, ProfileBy by) {
  const int64_t percent = peak.bytes * 100 / peak.direction_total;
  std::string out = std::string(peak.written ? "writes " : "reads ") + std::to_string(percent) +
                    " % of its " + (peak.written ? "written" : "read") + " bytes ";
  const int n = profile_slots(by);
  if (by == ProfileBy::kHourOfDay) {
    out += "between " + slot_name(by, peak.start) + " and " +
           slot_name(by, (peak.start + peak.length) % n) + " UTC";
  } else if (peak.length == 1) {
    out += "on " + slot_name(by, peak.start) + " (UTC)";
  } else {
    out += "from " + slot_name(by, peak.start) + " to " +
           slot_name(by, (peak.start + peak.length - 1) % n) + " (UTC)";
  }
  return out;
}

void write_profile(const report::Report& rep, const std::vector<Profile>& profiles, ProfileBy by,
                   report::OutputFormat format, std::ostream& out) {
  const int n = profile_slots(by);
  const std::string by_name = by == ProfileBy::kHourOfDay ? "hour-of-day" : "day-of-week";
  auto label = [&](const report::Row& row) {
    std::string text;
    if (row.client) text = end_label(*row.client);
    if (row.server) {
      if (!text.empty()) text += " -> ";
      text += end_label(*row.server);
    }
    return text;
  };
  switch (format) {
    case report::OutputFormat::kJson:
    case report::OutputFormat::kNdjson: {
      nlohmann::json rows = nlohmann::json::array();
      for (size_t r = 0; r < rep.rows.size(); ++r) {
        const report::Row& row = rep.rows[r];
        nlohmann::json j;
        if (row.client) j["client"] = end_json(*row.client);
        if (row.server) j["server"] = end_json(*row.server);
        j["bytes_read"] = row.counters.bytes_read;
        j["bytes_written"] = row.counters.bytes_written;
        j["read"] = profiles[r].read;
        j["written"] = profiles[r].written;
        if (auto peak = find_peak(profiles[r])) {
          j["peak"] = {{"direction", peak->written ? "written" : "read"},
                       {"start", peak->start},
                       {"slots", peak->length},
                       {"bytes", peak->bytes},
                       {"direction_bytes", peak->direction_total},
                       {"text", label(row) + " " + peak_sentence(*peak, by)}};
        } else {
          j["peak"] = nullptr;
        }
        if (format == report::OutputFormat::kNdjson) {
          j["by"] = by_name;
          out << j.dump() << '\n';
        } else {
          rows.push_back(std::move(j));
        }
      }
      if (format == report::OutputFormat::kJson) {
        nlohmann::json slots = nlohmann::json::array();
        for (int k = 0; k < n; ++k) slots.push_back(slot_name(by, k));
        nlohmann::json doc;
        doc["profile"] = {{"by", by_name}, {"slots", slots}};
        doc["window"] = {{"start", rep.window.start ? nlohmann::json(*rep.window.start) : nullptr},
                         {"end", rep.window.end ? nlohmann::json(*rep.window.end) : nullptr}};
        doc["total_rows"] = rep.total_rows;
        doc["rows"] = std::move(rows);
        out << doc.dump(2) << '\n';
      }
      return;
    }
    case report::OutputFormat::kCsv:
    case report::OutputFormat::kTsv: {
      const bool csv = format == report::OutputFormat::kCsv;
      const char* sep = csv ? "," : "\t";
      const char* eol = csv ? "\r\n" : "\n";
      out << "client" << sep << "client_name" << sep << "server" << sep << "server_name" << sep
          << "slot" << sep << "bytes_read" << sep << "bytes_written" << eol;
      for (size_t r = 0; r < rep.rows.size(); ++r) {
        const report::Row& row = rep.rows[r];
        const std::string client = row.client ? join(row.client->ips) : "";
        const std::string client_name = row.client ? row.client->name : "";
        const std::string server =
            row.server ? (row.server->id.empty() ? join(row.server->ips) : row.server->id) : "";
        const std::string server_name = row.server ? row.server->name : "";
        for (int k = 0; k < n; ++k) {
          out << csv_field(client, csv) << sep << csv_field(client_name, csv) << sep
              << csv_field(server, csv) << sep << csv_field(server_name, csv) << sep
              << slot_name(by, k) << sep << profiles[r].read[k] << sep << profiles[r].written[k]
              << eol;
        }
      }
      return;
    }
    default:
      break;
  }
  // Table: each slot's share of the row's bytes (read + written), in whole
  // percent rounded half up; "." for a slot with no bytes.
  std::vector<std::string> labels;
  size_t width = 3;
  for (const report::Row& row : rep.rows) {
    labels.push_back(report::truncate_to_width(report::sanitize_text(label(row)), 40));
    width = std::max(width, report::display_width(labels.back()));
  }
  auto pad = [](const std::string& s, size_t w) {
    const size_t dw = report::display_width(s);
    return s + std::string(w > dw ? w - dw : 0, ' ');
  };
  out << pad("ROW", width) << "      TOTAL";
  for (int k = 0; k < n; ++k) {
    const std::string head =
        by == ProfileBy::kHourOfDay ? slot_name(by, k).substr(0, 2) : slot_name(by, k).substr(0, 3);
    out << ' ' << std::string(4 - head.size(), ' ') << head;
  }
  out << "   (% of the row's bytes per " << (by == ProfileBy::kHourOfDay ? "UTC hour" : "UTC day")
      << ")\n";
  for (size_t r = 0; r < rep.rows.size(); ++r) {
    const int64_t total = rep.rows[r].counters.bytes_total();
    std::string tot = report::format_iec_bytes(total);
    out << pad(labels[r], width) << ' ' << std::string(tot.size() < 10 ? 10 - tot.size() : 0, ' ')
        << tot;
    for (int k = 0; k < n; ++k) {
      const int64_t v = profiles[r].read[k] + profiles[r].written[k];
      std::string cell = ".";
      if (v > 0 && total > 0) cell = std::to_string((v * 200 + total) / (2 * total));
      out << ' ' << std::string(4 - cell.size(), ' ') << cell;
    }
    out << '\n';
  }
  bool any = false;
  for (size_t r = 0; r < rep.rows.size(); ++r) {
    if (auto peak = find_peak(profiles[r])) {
      if (!any) out << '\n';
      any = true;
      out << report::sanitize_text(label(rep.rows[r])) << ' ' << peak_sentence(*peak, by) << '\n';
    }
  }
}

void write_openmetrics(const report::Report& rep, const store::Collection& collection,
                       std::ostream& out) {
  auto labels = [](const report::Row& row) {
    std::string text;
    auto add = [&text](const char* name, const std::string& value) {
      if (value.empty()) return;
      if (!text.empty()) text += ',';
      text += name;
      text += "=\"";
      text += label_value(value);
      text += '"';
    };
    if (row.client) {
      add("client", join(row.client->ips));
      add("client_name", row.client->name);
    }
    if (row.server) {
      add("server", row.server->id.empty() ? join(row.server->ips) : row.server->id);
      add("server_name", row.server->name);
    }
    return text;
  };
  struct Family {
    const char* name;
    const char* help;
    bool written;
  };
  const Family families[] = {
      {"efstop_read_bytes",
       "Bytes read by the client from the file system (server to client) in the latest "
       "collected window.",
       false},
      {"efstop_written_bytes",
       "Bytes written by the client to the file system (client to server) in the latest "
       "collected window.",
       true},
  };
  for (const Family& f : families) {
    out << "# TYPE " << f.name << " gauge\n"
        << "# UNIT " << f.name << " bytes\n"
        << "# HELP " << f.name << ' ' << f.help << '\n';
    for (const report::Row& row : rep.rows) {
      out << f.name << '{' << labels(row) << "} "
          << (f.written ? row.counters.bytes_written : row.counters.bytes_read) << '\n';
    }
  }
  out << "# TYPE efstop_collection_window_start_seconds gauge\n"
      << "# UNIT efstop_collection_window_start_seconds seconds\n"
      << "# HELP efstop_collection_window_start_seconds Start of the latest collected window "
         "(Unix time).\n"
      << "efstop_collection_window_start_seconds " << collection.window_start << '\n'
      << "# TYPE efstop_collection_window_end_seconds gauge\n"
      << "# UNIT efstop_collection_window_end_seconds seconds\n"
      << "# HELP efstop_collection_window_end_seconds End of the latest collected window "
         "(Unix time, exclusive).\n"
      << "efstop_collection_window_end_seconds " << collection.window_end << '\n'
      << "# EOF\n";
}

}  // namespace efstop::cli
