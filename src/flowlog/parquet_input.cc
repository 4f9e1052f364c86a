#include "flowlog/parquet_input.h"

#include <algorithm>
#include <optional>

#include "flowlog/format.h"
#include "flowlog/parquet.h"

namespace efstop::flowlog {

namespace {

// The fields the counting rule reads, in the order of `kUsed`.
enum Slot : int {
  kSrcAddr,
  kDstAddr,
  kSrcPort,
  kDstPort,
  kProtocol,
  kPackets,
  kBytes,
  kStart,
  kEnd,
  kAction,
  kLogStatus,
  kInterfaceId,
  kAccountId,  // kAccountId and kRegion: only in a read with scopes
  kRegion,
  kSlots,
};

constexpr FieldId kUsed[kSlots] = {
    FieldId::kSrcAddr,   FieldId::kDstAddr, FieldId::kSrcPort,   FieldId::kDstPort,
    FieldId::kProtocol,  FieldId::kPackets, FieldId::kBytes,     FieldId::kStart,
    FieldId::kEnd,       FieldId::kAction,  FieldId::kLogStatus, FieldId::kInterfaceId,
    FieldId::kAccountId, FieldId::kRegion,
};

// String columns whose values are used as they are (not decoded to an Entry).
constexpr bool is_raw_string_slot(int s) {
  return s == kInterfaceId || s == kAccountId || s == kRegion;
}

constexpr bool is_string_slot(int s) {
  return s == kSrcAddr || s == kDstAddr || s == kAction || s == kLogStatus || is_raw_string_slot(s);
}

// AWS names Parquet columns with underscores (log_status, interface_id);
// the text format's names have hyphens. Both are accepted.
std::string field_spelling(std::string_view column) {
  std::string s(column);
  std::replace(s.begin(), s.end(), '_', '-');
  return s;
}

// A string entry decoded once (entries are dictionary values or, for plain
// pages, each row's own value).
struct Entry {
  uint8_t state = 0;  // 0 = value, 1 = `-` (unknown), 2 = malformed
  IpAddress ip;
  Action action = Action::kAccept;
  LogStatus status = LogStatus::kOk;
};

// Decodes the entries `v` gained since the last call (a column's entries
// grow batch by batch: a dictionary, then plain pages as they are reached).
void decode_entries(int slot, const parquet::ColumnValues& v, std::vector<Entry>* out) {
  const size_t from = out->size();
  if (from == v.entries.size()) return;
  out->resize(v.entries.size(), Entry());
  for (size_t i = from; i < v.entries.size(); ++i) {
    const std::string_view s = v.entries[i];
    Entry& e = (*out)[i];
    if (s == "-") {
      e.state = 1;
      e.action = Action::kNone;  // an unknown action, as add_row_exact() reads it
      continue;
    }
    if (slot == kSrcAddr || slot == kDstAddr) {
      std::optional<IpAddress> ip = IpAddress::parse(s);
      if (ip) {
        e.ip = *ip;
      } else {
        e.state = 2;
      }
    } else if (slot == kAction) {
      if (s == "ACCEPT") {
        e.action = Action::kAccept;
      } else if (s == "REJECT") {
        e.action = Action::kReject;
      } else {
        e.state = 2;
      }
    } else if (slot == kLogStatus) {
      if (s == "OK") {
        e.status = LogStatus::kOk;
      } else if (s == "NODATA") {
        e.status = LogStatus::kNoData;
      } else if (s == "SKIPDATA") {
        e.status = LogStatus::kSkipData;
      } else {
        e.state = 2;
      }
    }
  }
}

std::string quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 64) out += "...";
  return out + "'";
}

// Rows decoded and counted at a time: every needed column's values for a
// batch (about 80 bytes a row) stay in the core's L2 cache.
constexpr size_t kBatchRows = 2048;

class ParquetReader {
 public:
  ParquetReader(RandomAccessSource& src, const EngineOptions& options,
                const ParquetRowFilter& filter, Aggregator* agg, ChunkOutcome* out,
                uint64_t order_base, RecordRouter* router)
      : src_(src),
        options_(options),
        filter_(filter),
        agg_(agg),
        out_(out),
        order_base_(order_base),
        router_(router) {}

  void run() {
    Status st = read();
    if (!st.ok() && !out_->failed) {
      out_->failed = true;
      out_->error = src_.name() + ": " + st.message();
    }
  }

 private:
  Status read() {
    const uint64_t size = src_.size();
    if (size < 12) {
      return parse_error("parquet: file too short (" + std::to_string(size) +
                         " bytes) at offset 0");
    }
    // One read for the trailer and, usually, the whole footer.
    const uint64_t tail = std::min<uint64_t>(size, 64 << 10);
    std::string buf;
    EFSTOP_RETURN_IF_ERROR(src_.read_at(size - tail, static_cast<size_t>(tail), &buf));
    EFSTOP_ASSIGN_OR_RETURN(uint64_t len,
                            parquet::footer_length(std::string_view(buf).substr(tail - 8), size));
    const uint64_t footer_at = size - 8 - len;
    std::string_view footer;
    if (len + 8 <= tail) {
      footer = std::string_view(buf).substr(static_cast<size_t>(tail - 8 - len),
                                            static_cast<size_t>(len));
    } else {
      EFSTOP_RETURN_IF_ERROR(src_.read_at(footer_at, static_cast<size_t>(len), &buf));
      footer = buf;
    }
    EFSTOP_ASSIGN_OR_RETURN(parquet::FileMeta meta, parquet::parse_file_meta(footer, footer_at));
    buf.clear();
    buf.shrink_to_fit();

    // Map columns to the fields used; the format (as names) for check_format.
    std::vector<std::string> names;
    for (size_t c = 0; c < meta.columns.size(); ++c) {
      names.push_back(field_spelling(meta.columns[c].name));
    }
    const LogFormat format(names);
    Status fs = check_format(format, options_);
    if (!fs.ok()) {
      out_->failed = true;
      out_->error = src_.name() + ": Parquet columns " + fs.message();
      out_->usage_error = format.has(FieldId::kSrcAddr) && format.has(FieldId::kDstAddr) &&
                          format.has(FieldId::kBytes);
      return Status();
    }
    for (int s = 0; s < kSlots; ++s) {
      column_[s] = format.column_of(kUsed[s]);
      // Without scopes nothing reads them: their chunks are not fetched.
      if ((s == kAccountId || s == kRegion) && router_ == nullptr) column_[s] = -1;
      if (column_[s] < 0) continue;
      const parquet::Column& col = meta.columns[static_cast<size_t>(column_[s])];
      const bool want_string = is_string_slot(s);
      const bool is_string = col.type == parquet::PhysicalType::kByteArray;
      const bool is_int =
          col.type == parquet::PhysicalType::kInt32 || col.type == parquet::PhysicalType::kInt64;
      if (want_string ? !is_string : !is_int) {
        return parse_error("parquet: column " + col.name + " has physical type " +
                           std::to_string(static_cast<int>(col.type)) + ", expected " +
                           (want_string ? "BYTE_ARRAY (string)" : "INT32 or INT64") +
                           " at offset " + std::to_string(footer_at));
      }
      has_ |= 1u << s;
    }

    // Row group by row group, a batch of rows of every needed column at a
    // time: the batch's values stay in cache between decoding and counting
    // (a whole row group of each column went out to memory and back).
    uint64_t row_base = 0;
    for (const parquet::RowGroup& rg : meta.row_groups) {
      if (rg.num_rows == 0) continue;
      EFSTOP_RETURN_IF_ERROR(start_row_group(meta, rg, footer_at));
      const size_t rows = static_cast<size_t>(rg.num_rows);
      for (size_t done = 0; done < rows; done += kBatchRows) {
        const size_t n = std::min(kBatchRows, rows - done);
        EFSTOP_RETURN_IF_ERROR(next_batch(n));
        add_rows(n, row_base + done);
      }
      row_base += rows;
    }
    return Status();
  }

  // Reads the row group's needed column chunks (each into a buffer of its
  // own, kept while its rows are read) and starts a reader on each.
  Status start_row_group(const parquet::FileMeta& meta, const parquet::RowGroup& rg,
                         uint64_t footer_at) {
    uint64_t total = 0;
    for (int s = 0; s < kSlots; ++s) {
      if (column_[s] < 0) continue;
      const size_t c = static_cast<size_t>(column_[s]);
      const parquet::ChunkMeta& chunk = rg.chunks[c];
      const uint64_t start = chunk.start();
      if (chunk.data_page_offset < 4 || chunk.total_compressed_size <= 0 || start >= footer_at ||
          static_cast<uint64_t>(chunk.total_compressed_size) > footer_at - start) {
        return parse_error("parquet: column " + meta.columns[c].name +
                           ": chunk range outside the file at offset " + std::to_string(footer_at));
      }
      total += static_cast<uint64_t>(chunk.total_compressed_size);
      if (total > parquet::kMaxChunkBytes) {
        return parse_error("parquet: a row group's needed columns exceed 1 GiB at offset " +
                           std::to_string(start));
      }
      // Reused row group after row group: fresh memory per chunk costs page
      // faults (and growing a string copies it: a grown buffer gets 1/8 more
      // than asked, the next row group's chunk being about as large).
      std::string& bytes = chunk_bytes_[s];
      const auto len = static_cast<size_t>(chunk.total_compressed_size);
      if (bytes.capacity() < len) {
        bytes.clear();
        bytes.reserve(len + len / 8);
      }
      EFSTOP_RETURN_IF_ERROR(src_.read_at(start, len, &bytes));
      EFSTOP_RETURN_IF_ERROR(
          readers_[s].start(bytes, start, chunk, meta.columns[c], rg.num_rows, &values_[s]));
      entries_[s].clear();
    }
    return Status();
  }

  // The next n rows of every needed column; new string entries decoded.
  Status next_batch(size_t n) {
    for (int s = 0; s < kSlots; ++s) {
      if (column_[s] < 0) continue;
      EFSTOP_RETURN_IF_ERROR(readers_[s].next(n));
      if (is_string_slot(s) && !is_raw_string_slot(s)) {
        decode_entries(s, values_[s], &entries_[s]);
      }
    }
    return Status();
  }

  // A batch of rows -> records. The common row (no malformed value) is
  // built without a branch per field: a column the file lacks reads as a
  // column of NULLs (absent_*), and a NULL or `-` string reads as an entry
  // that sets nothing; so the result is the one add_row_exact() gives, to
  // which any row with a malformed value goes.
  void add_rows(size_t rows, uint64_t row_base) {
    const uint32_t* index[kSlots];
    const Entry* entries[kSlots];
    const int64_t* ints[kSlots];
    const uint8_t* valid[kSlots];
    for (int s = 0; s < kSlots; ++s) {
      const bool has = (has_ & (1u << s)) != 0;
      const parquet::ColumnValues& v = values_[s];
      index[s] = has && is_string_slot(s) ? v.index.data() : absent_index_.data();
      entries[s] = has && is_string_slot(s) ? entries_[s].data() : &absent_entry_;
      ints[s] = has && !is_string_slot(s) ? v.ints.data() : absent_ints_.data();
      valid[s] = has && !is_string_slot(s) ? v.valid.data() : absent_valid_.data();
    }
    const std::vector<std::string_view>& ifaces = values_[kInterfaceId].entries;
    auto entry = [&](int s, size_t row) -> const Entry& {
      const uint32_t id = index[s][row];
      return id == parquet::ColumnValues::kNull ? null_entry_ : entries[s][id];
    };
    const auto bit = [](bool on, uint32_t b) { return on ? b : 0u; };
    FlowRecord r;  // the fields below are set for every row; the others keep their defaults
    int64_t counted = 0;
    bool interface_rule = false, overlap_rule = false;
    for (size_t row = 0; row < rows; ++row) {
      std::string_view iface;
      bool has_iface = false;
      const uint32_t iface_id = index[kInterfaceId][row];
      if (iface_id != parquet::ColumnValues::kNull && (has_ & (1u << kInterfaceId)) != 0) {
        iface = ifaces[iface_id];
        has_iface = iface != "-";
        if (!has_iface) iface = {};
      }
      if (filter_.keep_eni && iface.substr(0, 4) == "eni-" && !filter_.keep_eni(iface)) {
        if (filter_.left_out) filter_.left_out->fetch_add(1);
        continue;
      }
      const Entry& src = entry(kSrcAddr, row);
      const Entry& dst = entry(kDstAddr, row);
      const Entry& act = entry(kAction, row);
      const Entry& st = entry(kLogStatus, row);
      // Integers are 0 where NULL; a value out of range is malformed.
      const auto over = [&](int s, uint64_t max) {
        return static_cast<uint64_t>(ints[s][row]) > max;
      };
      const bool malformed = ((src.state | dst.state | act.state | st.state) & 2) != 0 ||
                             over(kSrcPort, 65535) | over(kDstPort, 65535) | over(kProtocol, 255) |
                                 (ints[kPackets][row] < 0) | (ints[kBytes][row] < 0) |
                                 (ints[kStart][row] < 0) | (ints[kEnd][row] < 0);
      if (malformed) {
        add_row_exact(row, row_base);
        continue;
      }
      ++counted;
      uint32_t present = bit(has_iface, kHasInterfaceId);
      present |= bit(src.state == 0, kHasSrcAddr);
      present |= bit(dst.state == 0, kHasDstAddr);
      present |= bit(act.state == 0, kHasAction);
      present |= bit(valid[kSrcPort][row] != 0, kHasSrcPort);
      present |= bit(valid[kDstPort][row] != 0, kHasDstPort);
      present |= bit(valid[kProtocol][row] != 0, kHasProtocol);
      present |= bit(valid[kPackets][row] != 0, kHasPackets);
      present |= bit(valid[kBytes][row] != 0, kHasBytes);
      present |= bit(valid[kStart][row] != 0, kHasStart);
      present |= bit(valid[kEnd][row] != 0, kHasEnd);
      r.interface_id = iface;
      r.src = src.ip;
      r.dst = dst.ip;
      r.src_port = static_cast<uint16_t>(ints[kSrcPort][row]);
      r.dst_port = static_cast<uint16_t>(ints[kDstPort][row]);
      r.protocol = static_cast<uint8_t>(ints[kProtocol][row]);
      r.packets = ints[kPackets][row];
      r.bytes = ints[kBytes][row];
      r.start = ints[kStart][row];
      r.end = ints[kEnd][row];
      r.log_status = st.status;
      r.present = present;
      // `-` or NULL: none; an OK record without an action is an ACCEPT.
      r.action =
          act.action == Action::kNone && st.status == LogStatus::kOk ? Action::kAccept : act.action;
      Aggregator* agg = agg_;
      if (router_ != nullptr) [[unlikely]] {
        agg = route_row(row, r);
        if (agg == nullptr) continue;
      }
      (iface.empty() ? overlap_rule : interface_rule) = true;
      agg->add(r, order_base_ | (row_base + row));
    }
    out_->lines += counted;
    out_->physical_lines += counted;
    out_->used_interface_rule |= interface_rule;
    out_->used_overlap_rule |= overlap_rule;
  }

  // One row -> record, as LineParser::parse_general does for a line: every
  // case (malformed values, skipped rows). The rows add_rows() leaves to it,
  // after keep_eni.
  void add_row_exact(size_t row, uint64_t row_base) {
    FlowRecord r;
    uint32_t present = 0;
    if ((has_ & (1u << kInterfaceId)) != 0) {
      const uint32_t id = values_[kInterfaceId].index[row];
      if (id != parquet::ColumnValues::kNull) {
        const std::string_view s = values_[kInterfaceId].entries[id];
        if (s != "-") {
          r.interface_id = s;
          present |= kHasInterfaceId;
        }
      }
    }
    ++out_->lines;
    ++out_->physical_lines;
    int bad = -1;
    Action action = Action::kAccept;
    LogStatus status = LogStatus::kOk;
    for (int s : {kSrcAddr, kDstAddr, kAction, kLogStatus}) {
      if ((has_ & (1u << s)) == 0) continue;
      const uint32_t id = values_[s].index[row];
      if (id == parquet::ColumnValues::kNull) {
        if (s == kAction) action = Action::kNone;
        continue;
      }
      const Entry& e = entries_[s][id];
      if (e.state == 1) {
        if (s == kAction) action = Action::kNone;
        continue;
      }
      if (e.state == 2) {
        if (bad < 0) bad = s;
        if (s == kSrcAddr || s == kDstAddr) present |= s == kSrcAddr ? kHasSrcAddr : kHasDstAddr;
        if (s == kAction) present |= kHasAction;
        continue;
      }
      switch (s) {
        case kSrcAddr:
          r.src = e.ip;
          present |= kHasSrcAddr;
          break;
        case kDstAddr:
          r.dst = e.ip;
          present |= kHasDstAddr;
          break;
        case kAction:
          action = e.action;
          present |= kHasAction;
          break;
        default:
          status = e.status;
      }
    }
    number(kSrcPort, row, 65535, kHasSrcPort, &present, &bad,
           [&](int64_t v) { r.src_port = static_cast<uint16_t>(v); });
    number(kDstPort, row, 65535, kHasDstPort, &present, &bad,
           [&](int64_t v) { r.dst_port = static_cast<uint16_t>(v); });
    number(kProtocol, row, 255, kHasProtocol, &present, &bad,
           [&](int64_t v) { r.protocol = static_cast<uint8_t>(v); });
    number(kPackets, row, INT64_MAX, kHasPackets, &present, &bad,
           [&](int64_t v) { r.packets = v; });
    number(kBytes, row, INT64_MAX, kHasBytes, &present, &bad, [&](int64_t v) { r.bytes = v; });
    number(kStart, row, INT64_MAX, kHasStart, &present, &bad, [&](int64_t v) { r.start = v; });
    number(kEnd, row, INT64_MAX, kHasEnd, &present, &bad, [&](int64_t v) { r.end = v; });
    r.log_status = status;
    r.present = present;
    r.action = action;
    if (status == LogStatus::kOk) {
      if (bad >= 0) {
        skip(bad, row, row_base);
        return;
      }
      if (action == Action::kNone) r.action = Action::kAccept;
    }
    Aggregator* agg = agg_;
    if (router_ != nullptr) {
      agg = route_row(row, r);
      if (agg == nullptr) return;
    }
    if (r.interface_id.empty()) {
      out_->used_overlap_rule = true;
    } else {
      out_->used_interface_rule = true;
    }
    agg->add(r, order_base_ | (row_base + row));
  }

  // The aggregator of the row's scope by its account_id and region values
  // (NULL, absent, `-` or `unknown`: the input's key decides), or null.
  Aggregator* route_row(size_t row, const FlowRecord& r) {
    const auto value = [&](int s) -> std::string_view {
      if (column_[s] < 0) return {};
      const uint32_t id = values_[s].index[row];
      return id == parquet::ColumnValues::kNull ? std::string_view() : values_[s].entries[id];
    };
    const RouteCount count{r.flows, (r.present & kHasBytes) != 0 ? r.bytes : 0};
    return router_->route(value(kAccountId), value(kRegion), count);
  }

  template <typename Set>
  void number(int s, size_t row, int64_t max, uint32_t bit, uint32_t* present, int* bad, Set set) {
    if ((has_ & (1u << s)) == 0) return;
    if (values_[s].valid[row] == 0) return;
    const int64_t v = values_[s].ints[row];
    *present |= bit;
    if (v < 0 || v > max) {
      if (*bad < 0) *bad = s;
      return;
    }
    set(v);
  }

  void skip(int slot, size_t row, uint64_t row_base) {
    ++out_->skipped;
    if (static_cast<int>(out_->diagnostics.size()) >= options_.max_diagnostics_per_file) return;
    std::string field(field_name(kUsed[slot]));
    std::string reason;
    if (is_string_slot(slot)) {
      const std::string value = quoted(values_[slot].entries[values_[slot].index[row]]);
      if (slot == kAction) {
        reason = "bad action " + value + ": expected ACCEPT, REJECT or -";
      } else if (slot == kLogStatus) {
        reason = "bad log-status " + value + ": expected OK, NODATA or SKIPDATA";
      } else {
        reason = "bad " + field + " " + value + ": not an IPv4 or IPv6 address";
      }
    } else {
      reason = "bad " + field + " '" + std::to_string(values_[slot].ints[row]) +
               "': not a non-negative integer in range";
    }
    out_->diagnostics.emplace_back(static_cast<int64_t>(row_base + row + 1),
                                   "row " + std::to_string(row_base + row + 1) + ": " + reason);
  }

  RandomAccessSource& src_;
  const EngineOptions& options_;
  const ParquetRowFilter& filter_;
  Aggregator* agg_;
  ChunkOutcome* out_;
  uint64_t order_base_;
  RecordRouter* router_;
  int column_[kSlots] = {};
  uint32_t has_ = 0;
  parquet::ColumnValues values_[kSlots];
  parquet::ChunkReader readers_[kSlots];
  // What add_rows() reads for a column the file lacks (NULLs that leave the
  // action ACCEPT, as add_row_exact() does) and for a NULL string.
  std::vector<uint32_t> absent_index_ = std::vector<uint32_t>(kBatchRows, 0);
  std::vector<int64_t> absent_ints_ = std::vector<int64_t>(kBatchRows, 0);
  std::vector<uint8_t> absent_valid_ = std::vector<uint8_t>(kBatchRows, 0);
  static constexpr Entry absent_entry_{1, IpAddress(), Action::kAccept, LogStatus::kOk};
  static constexpr Entry null_entry_{1, IpAddress(), Action::kNone, LogStatus::kOk};
  std::string chunk_bytes_[kSlots];
  std::vector<Entry> entries_[kSlots];
};

}  // namespace

void run_parquet(RandomAccessSource& src, const EngineOptions& options,
                 const ParquetRowFilter& filter, Aggregator* agg, ChunkOutcome* out,
                 uint64_t order_base, RecordRouter* router) {
  ParquetReader reader(src, options, filter, agg, out, order_base, router);
  reader.run();
}

Result<std::unique_ptr<RandomAccessSource>> slurp_parquet(std::string head, ByteSource& raw) {
  std::string data = std::move(head);
  std::string block(size_t{1} << 20, '\0');
  while (true) {
    EFSTOP_ASSIGN_OR_RETURN(size_t n, raw.read(block.data(), block.size()));
    if (n == 0) break;
    if (data.size() + n > kMaxParquetInMemory) {
      return invalid_argument_error(
          "parquet: a Parquet stream that cannot seek (stdin) is read into memory, and this one "
          "is over 1 GiB; save it to a file and pass its path");
    }
    data.append(block.data(), n);
  }
  return make_memory_random(raw.name(), std::move(data));
}

}  // namespace efstop::flowlog
