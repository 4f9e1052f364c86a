#include "cloud/raw_events.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace efstop::cloud {

namespace {

class EventsSource : public flowlog::ByteSource {
 public:
  EventsSource(aws::LogsApi* api, aws::FilterLogEventsInput input, std::string name,
               const RawEventsOptions& o)
      : api_(api),
        input_(std::move(input)),
        name_(std::move(name)),
        interrupted_(o.interrupted),
        pages_(o.pages),
        events_(o.events),
        other_streams_(o.other_streams),
        outside_time_(o.outside_time) {}

  const std::string& name() const override { return name_; }

  Result<size_t> read(char* buf, size_t capacity) override {
    while (pos_ == pending_.size()) {
      if (done_) return size_t{0};
      EFSTOP_RETURN_IF_ERROR(fetch());
    }
    const size_t n = std::min(capacity, pending_.size() - pos_);
    std::memcpy(buf, pending_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  Status fetch() {
    if (interrupted_ != nullptr && interrupted_->load()) return io_error(name_ + ": interrupted");
    Result<aws::FilterLogEventsPage> page = api_->filter_log_events(input_);
    if (!page.ok()) {
      return page.status().with_context(name_ + " after " + std::to_string(page_count_) + " pages");
    }
    ++page_count_;
    if (pages_) pages_->fetch_add(1);
    if (events_) events_->fetch_add(static_cast<int64_t>(page->events.size()));
    pending_.clear();
    pos_ = 0;
    for (const aws::LogEvent& e : page->events) {
      // Trust but verify: only what was asked for is counted.
      if (!asked_stream(e.log_stream_name)) {
        if (other_streams_) other_streams_->fetch_add(1);
        continue;
      }
      if (e.timestamp_ms < input_.start_time_ms || e.timestamp_ms > input_.end_time_ms) {
        if (outside_time_) outside_time_->fetch_add(1);
        continue;
      }
      pending_ += e.message;
      pending_ += '\n';
    }
    // Only an absent token ends the stream; an empty page with a token
    // means "nothing yet, more later".
    if (page->next_token.empty()) {
      done_ = true;
    } else {
      // A token seen before would read pages again (counting their
      // records twice) or loop forever: a service or proxy bug, reported
      // as paginate() reports it.
      if (!seen_tokens_.insert(page->next_token).second) {
        return aws_error(name_ + ": filter-log-events returned the same page token again after " +
                         std::to_string(page_count_) +
                         " pages; the service or a proxy is repeating itself, run again");
      }
      input_.next_token = page->next_token;
    }
    return Status();
  }

  bool asked_stream(const std::string& stream) const {
    if (!input_.log_stream_name_prefix.empty() &&
        stream.compare(0, input_.log_stream_name_prefix.size(), input_.log_stream_name_prefix) !=
            0) {
      return false;
    }
    return input_.log_stream_names.empty() ||
           std::find(input_.log_stream_names.begin(), input_.log_stream_names.end(), stream) !=
               input_.log_stream_names.end();
  }

  aws::LogsApi* api_;
  aws::FilterLogEventsInput input_;
  std::string name_;
  const std::atomic<bool>* interrupted_;
  std::shared_ptr<std::atomic<int64_t>> pages_;
  std::shared_ptr<std::atomic<int64_t>> events_;
  std::shared_ptr<std::atomic<int64_t>> other_streams_;
  std::shared_ptr<std::atomic<int64_t>> outside_time_;
  std::string pending_;
  size_t pos_ = 0;
  bool done_ = false;
  int64_t page_count_ = 0;
  std::unordered_set<std::string> seen_tokens_;
};

}  // namespace

std::string raw_filter_pattern(const std::vector<flowlog::IpAddress>& server_ips) {
  std::string p;
  if (server_ips.empty()) {
    p = "?2049";
  } else {
    for (const flowlog::IpAddress& ip : server_ips) {
      p += (p.empty() ? "" : " ");
      p += "?\"" + ip.to_string() + "\"";
    }
  }
  p += " ?NODATA ?SKIPDATA";
  if (p.size() > kMaxFilterPatternChars) return std::string();
  return p;
}

std::vector<std::pair<int64_t, int64_t>> sample_event_ranges(int64_t start, int64_t end,
                                                             const flowlog::SampleSpec& spec,
                                                             int64_t lead_s) {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (end <= start) return out;
  // Slices from the one of start's period; a slice starting at or after
  // `end` counts nothing (record spans are cut at the window's end).
  for (int64_t s = flowlog::period_floor(start, spec); s < end; s += spec.period_s) {
    const int64_t from = std::max(start, s - lead_s);
    const int64_t to = std::min(end, s + spec.span_s);
    if (to <= from) continue;
    if (!out.empty() && from <= out.back().second) {
      out.back().second = std::max(out.back().second, to);
    } else {
      out.emplace_back(from, to);
    }
  }
  return out;
}

std::vector<std::pair<int64_t, int64_t>> merge_closest_ranges(
    std::vector<std::pair<int64_t, int64_t>> ranges, size_t max_ranges) {
  max_ranges = std::max<size_t>(1, max_ranges);
  if (ranges.size() <= max_ranges) return ranges;
  // Joining two neighbours leaves the other gaps as they were, so joining
  // the shortest gap again and again joins the n - max shortest gaps.
  std::vector<size_t> gaps(ranges.size() - 1);  // gap i: between range i and i + 1
  for (size_t i = 0; i < gaps.size(); ++i) gaps[i] = i;
  const auto length = [&](size_t i) { return ranges[i + 1].first - ranges[i].second; };
  std::sort(gaps.begin(), gaps.end(), [&](size_t a, size_t b) {
    return length(a) != length(b) ? length(a) < length(b) : a < b;
  });
  std::vector<bool> joined(ranges.size() - 1, false);
  for (size_t k = 0; k < ranges.size() - max_ranges; ++k) joined[gaps[k]] = true;
  std::vector<std::pair<int64_t, int64_t>> out;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i > 0 && joined[i - 1]) {
      out.back().second = ranges[i].second;
    } else {
      out.push_back(ranges[i]);
    }
  }
  return out;
}

std::vector<flowlog::InputSource> make_raw_event_sources(aws::LogsApi* api,
                                                         const RawEventsOptions& o) {
  std::vector<flowlog::InputSource> out;
  std::vector<std::string> prefixes = o.stream_prefixes;
  if (prefixes.empty()) prefixes.emplace_back();
  const int64_t slice = std::max<int64_t>(1, o.slice_s);
  const std::vector<std::pair<int64_t, int64_t>> ranges =
      o.ranges ? *o.ranges : std::vector<std::pair<int64_t, int64_t>>{{o.start_s, o.end_s}};
  for (const std::string& prefix : prefixes) {
    for (const auto& [range_start, range_end] : ranges) {
      for (int64_t t = range_start; t < range_end; t += slice) {
        const int64_t t_end = std::min(range_end, t + slice);
        aws::FilterLogEventsInput in;
        in.log_group = o.log_group;
        in.log_stream_name_prefix = prefix;
        in.start_time_ms = t * 1000;
        in.end_time_ms = t_end * 1000 - 1;  // FilterLogEvents' end is inclusive
        in.filter_pattern = o.filter_pattern;
        std::string name = "logs:" + o.log_group + (prefix.empty() ? "" : "/" + prefix + "*") +
                           "@" + std::to_string(t) + "-" + std::to_string(t_end);
        RawEventsOptions copy = o;
        out.push_back(flowlog::InputSource{
            name, [api, in, name, copy]() -> Result<std::unique_ptr<flowlog::ByteSource>> {
              return std::unique_ptr<flowlog::ByteSource>(
                  std::make_unique<EventsSource>(api, in, name, copy));
            }});
      }
    }
  }
  return out;
}

}  // namespace efstop::cloud
