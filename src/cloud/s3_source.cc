#include "cloud/s3_source.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>

namespace efstop::cloud {

namespace {

std::string two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool stop_requested(const std::atomic<bool>* interrupted) {
  return interrupted != nullptr && interrupted->load();
}

// How often a reader waiting for bytes looks at the stop flag.
constexpr auto kStopCheckInterval = std::chrono::milliseconds(100);

// Streams one object: a producer thread runs GetObject into a bounded
// buffer; read() drains it. A stop signal (`interrupted`) ends both within
// about a second, even in the middle of a stalled transfer: the download is
// abandoned (HttpRequest::cancel) and read() fails with "interrupted".
class S3ObjectSource : public flowlog::ByteSource {
 public:
  S3ObjectSource(aws::S3Api* api, std::string bucket, std::string key, size_t cap,
                 std::shared_ptr<S3Progress> progress, const std::atomic<bool>* interrupted)
      : name_("s3://" + bucket + "/" + key),
        cap_(cap),
        progress_(std::move(progress)),
        interrupted_(interrupted) {
    producer_ = std::thread([this, api, bucket = std::move(bucket), key = std::move(key)] {
      Result<int64_t> r = api->get_object(
          bucket, key,
          [this](std::string_view chunk) {
            std::unique_lock<std::mutex> lock(mu_);
            can_write_.wait(lock, [&] { return cancelled_ || buffer_.size() < cap_; });
            if (cancelled_ || stop_requested(interrupted_)) return false;
            buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
            can_read_.notify_one();
            return true;
          },
          interrupted_);
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
      // "s3://bucket/key: get-object <region>: ...": the input first, as for a file.
      if (!r.ok() && !cancelled_) status_ = r.status().with_context(name_);
      if (r.ok() && progress_) progress_->bytes.fetch_add(*r);
      can_read_.notify_one();
    });
  }

  ~S3ObjectSource() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    can_write_.notify_one();
    producer_.join();
    if (progress_) {
      progress_->objects_done.fetch_add(1);
      if (progress_->on_update) progress_->on_update(*progress_);
    }
  }

  const std::string& name() const override { return name_; }

  Result<size_t> read(char* buf, size_t capacity) override {
    std::unique_lock<std::mutex> lock(mu_);
    while (!can_read_.wait_for(lock, kStopCheckInterval,
                               [&] { return !buffer_.empty() || finished_; })) {
      if (stop_requested(interrupted_)) return io_error(name_ + ": interrupted");
    }
    // Between chunks too: an object that streams steadily stops as promptly.
    if (stop_requested(interrupted_)) return io_error(name_ + ": interrupted");
    if (buffer_.empty()) {
      if (!status_.ok()) return status_;
      return size_t{0};
    }
    const size_t n = std::min(capacity, buffer_.size());
    std::copy(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n), buf);
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n));
    can_write_.notify_one();
    return n;
  }

 private:
  std::string name_;
  size_t cap_;
  std::shared_ptr<S3Progress> progress_;
  const std::atomic<bool>* interrupted_;
  std::mutex mu_;
  std::condition_variable can_read_;
  std::condition_variable can_write_;
  std::deque<char> buffer_;  // guarded by mu_
  bool finished_ = false;    // guarded by mu_
  bool cancelled_ = false;   // guarded by mu_
  Status status_;            // guarded by mu_
  std::thread producer_;
};

}  // namespace

std::optional<int64_t> s3_key_time(std::string_view key) {
  const size_t slash = key.rfind('/');
  const std::string_view file = slash == std::string_view::npos ? key : key.substr(slash + 1);
  // Look for "_YYYYMMDDTHHmmZ_" (15 characters between underscores).
  for (size_t i = 0; i + 16 < file.size(); ++i) {
    if (file[i] != '_' || file[i + 9] != 'T' || file[i + 14] != 'Z' || file[i + 15] != '_')
      continue;
    bool digits = true;
    for (size_t j : {1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13}) {
      digits = digits && file[i + j] >= '0' && file[i + j] <= '9';
    }
    if (!digits) continue;
    auto num = [&](size_t at, size_t len) {
      return std::stoi(std::string(file.substr(i + at, len)));
    };
    std::tm tm{};
    tm.tm_year = num(1, 4) - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(7, 2);
    tm.tm_hour = num(10, 2);
    tm.tm_min = num(12, 2);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59)
      continue;
    return static_cast<int64_t>(timegm(&tm));
  }
  return std::nullopt;
}

std::vector<std::string> s3_time_prefixes(const std::string& region_prefix, bool hive,
                                          bool per_hour, int64_t start_s, int64_t end_s) {
  std::vector<std::string> out;
  const int64_t step = per_hour ? 3600 : 86400;
  const int64_t from = start_s - kS3MarginBeforeS;
  const int64_t to = end_s + kS3MarginAfterS;  // exclusive
  for (int64_t t = from - (from % step + step) % step; t < to; t += step) {
    const time_t tt = static_cast<time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::string p = region_prefix;
    if (hive) {
      p += "year=" + std::to_string(tm.tm_year + 1900) + "/month=" + two(tm.tm_mon + 1) +
           "/day=" + two(tm.tm_mday) + "/";
      if (per_hour) p += "hour=" + two(tm.tm_hour) + "/";
    } else {
      p += std::to_string(tm.tm_year + 1900) + "/" + two(tm.tm_mon + 1) + "/" + two(tm.tm_mday) +
           "/";
      if (per_hour) p += two(tm.tm_hour) + "/";
    }
    out.push_back(std::move(p));
  }
  return out;
}

// An object read by ranged GETs (Parquet: footer, then column chunks).
// Its size is the listing's. The streamed download the engine opened first
// to look at the magic counted the object as done when it was dropped.
class S3RangeSource final : public flowlog::RandomAccessSource {
 public:
  S3RangeSource(aws::S3Api* api, std::string bucket, std::string key, int64_t size,
                std::shared_ptr<S3Progress> progress, const std::atomic<bool>* interrupted)
      : api_(api),
        bucket_(std::move(bucket)),
        key_(std::move(key)),
        name_("s3://" + bucket_ + "/" + key_),
        size_(static_cast<uint64_t>(std::max<int64_t>(size, 0))),
        progress_(std::move(progress)),
        interrupted_(interrupted) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }
  Status read_at(uint64_t offset, size_t len, std::string* out) override {
    if (stop_requested(interrupted_)) return io_error(name_ + ": interrupted");
    if (offset > size_ || len > size_ - offset) {
      return io_error("read " + name_ + ": range beyond the listed size");
    }
    Status st = api_->get_range(bucket_, key_, static_cast<int64_t>(offset),
                                static_cast<int64_t>(len), out);
    if (st.ok() && progress_) progress_->bytes.fetch_add(static_cast<int64_t>(len));
    return st;
  }

 private:
  aws::S3Api* api_;
  std::string bucket_;
  std::string key_;
  std::string name_;
  uint64_t size_;
  std::shared_ptr<S3Progress> progress_;
  const std::atomic<bool>* interrupted_;
};

std::vector<std::string> firehose_hour_prefixes(const std::string& prefix, int64_t start_s,
                                                int64_t end_s) {
  std::vector<std::string> out;
  const int64_t from = (start_s - kS3MarginBeforeS) / 3600 * 3600;
  for (int64_t t = from; t < end_s + kFirehoseMarginAfterS; t += 3600) {
    const time_t tt = static_cast<time_t>(t);
    struct tm tm;
    gmtime_r(&tt, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d/%02d/%02d/%02d/", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour);
    out.push_back(prefix + buf);
  }
  return out;
}

Result<S3Plan> plan_s3_read(aws::S3Api* api, const S3ReadOptions& o) {
  S3Plan plan;
  plan.bucket = o.location.bucket;
  std::string base = o.location.prefix;
  if (!o.firehose && !base.empty() && base.back() != '/') base += '/';
  plan.firehose = o.firehose;

  std::vector<std::string> to_list;
  if (o.firehose) {
    to_list = firehose_hour_prefixes(base, o.start_s, o.end_s);
  } else if (base.find("AWSLogs/") != std::string::npos) {
    to_list.push_back(base);  // already inside the delivery tree: list as given
  } else {
    std::vector<std::string> accounts;
    EFSTOP_RETURN_IF_ERROR(
        api->list_objects(plan.bucket, base + "AWSLogs/", "/", &accounts, o.page_size).status());
    plan.prefixes.push_back(base + "AWSLogs/");
    const std::string accounts_prefix = base + "AWSLogs/";
    const auto outside =
        std::remove_if(accounts.begin(), accounts.end(), [&](const std::string& a) {
          return a.size() <= accounts_prefix.size() ||
                 a.compare(0, accounts_prefix.size(), accounts_prefix) != 0;
        });
    plan.outside_prefix += accounts.end() - outside;
    accounts.erase(outside, accounts.end());
    if (accounts.empty() && plan.outside_prefix > 0) {
      return not_found_error("s3://" + plan.bucket + "/" + accounts_prefix +
                             ": the server listed only folders outside this prefix (it ignored "
                             "ListObjectsV2's prefix); give --s3 the full delivery path "
                             "(.../AWSLogs/<account>/vpcflowlogs/<region>/) to list it as given");
    }
    if (accounts.empty()) {
      // No AWSLogs/ tree: a Firehose stream's destination, read as
      // discovery reads it (its hour prefixes of the window), when the
      // prefix holds year folders (Firehose's default "YYYY/MM/DD/HH/").
      std::vector<std::string> folders;
      EFSTOP_RETURN_IF_ERROR(
          api->list_objects(plan.bucket, base, "/", &folders, o.page_size).status());
      plan.prefixes.push_back(base);
      const bool year_folders =
          std::any_of(folders.begin(), folders.end(), [&](const std::string& f) {
            return f.size() == base.size() + 5 && f.compare(0, base.size(), base) == 0 &&
                   f.back() == '/' &&
                   std::all_of(f.begin() + static_cast<std::ptrdiff_t>(base.size()), f.end() - 1,
                               [](char c) { return c >= '0' && c <= '9'; });
          });
      if (!year_folders) {
        return not_found_error("s3://" + plan.bucket + "/" + base +
                               ": no flow-log deliveries there (neither AWSLogs/ as a flow log "
                               "delivers nor YYYY/ folders as a Firehose stream does; check the "
                               "bucket and prefix of the flow log's destination)");
      }
      plan.firehose = true;
      to_list = firehose_hour_prefixes(base, o.start_s, o.end_s);
    }
    for (const std::string& acct : accounts) {
      const bool hive = acct.find("aws-account-id=") != std::string::npos;
      // The regions to list under this folder: o.region, or those of the
      // scopes naming its account (or any account).
      std::vector<std::string> regions;
      if (o.scopes.empty()) {
        regions.push_back(o.region);
      } else {
        std::string id = acct.substr(accounts_prefix.size());
        if (!id.empty() && id.back() == '/') id.pop_back();
        if (hive) id = id.substr(std::min(id.size(), std::string("aws-account-id=").size()));
        for (const auto& [account, region] : o.scopes) {
          if ((account.empty() || account == id) &&
              std::find(regions.begin(), regions.end(), region) == regions.end()) {
            regions.push_back(region);
          }
        }
        if (regions.empty() && !o.all_folders) {
          plan.unread_folders.emplace_back(id, acct);
          continue;
        }
        if (regions.empty()) {
          // Another account's folder, read in every region asked.
          for (const auto& [account, region] : o.scopes) {
            if (std::find(regions.begin(), regions.end(), region) == regions.end()) {
              regions.push_back(region);
            }
          }
        }
      }
      for (const std::string& region : regions) {
        const std::string region_prefix =
            hive ? acct + "aws-service=vpcflowlogs/aws-region=" + region + "/"
                 : acct + "vpcflowlogs/" + region + "/";
        for (std::string& p :
             s3_time_prefixes(region_prefix, hive, o.per_hour, o.start_s, o.end_s)) {
          to_list.push_back(std::move(p));
        }
      }
    }
  }
  plan.time_folders = to_list.size();
  for (const std::string& prefix : to_list) {
    EFSTOP_ASSIGN_OR_RETURN(std::vector<aws::S3ObjectInfo> objects,
                            api->list_objects(plan.bucket, prefix, "", nullptr, o.page_size));
    plan.prefixes.push_back(prefix);
    for (aws::S3ObjectInfo& obj : objects) {
      ++plan.listed;
      if (obj.key.compare(0, prefix.size(), prefix) != 0) {
        // Trust but verify: not below the prefix asked for.
        ++plan.outside_prefix;
        continue;
      }
      if (ends_with(obj.key, "/")) continue;  // a folder marker
      plan.listed_bytes += obj.size;
      const std::optional<int64_t> t =
          plan.firehose ? std::optional<int64_t>() : s3_key_time(obj.key);
      if (t && (*t < o.start_s - kS3MarginBeforeS || *t >= o.end_s + kS3MarginAfterS)) {
        ++plan.skipped_by_time;
        continue;
      }
      if (t && o.sample_ranges && !s3_time_in_ranges(*t, *o.sample_ranges)) {
        ++plan.skipped_by_sample;
        plan.skipped_by_sample_bytes += obj.size;
        continue;
      }
      if (ends_with(obj.key, ".parquet")) ++plan.parquet;
      plan.objects.push_back(std::move(obj));
    }
  }
  std::sort(plan.objects.begin(), plan.objects.end(),
            [](const aws::S3ObjectInfo& a, const aws::S3ObjectInfo& b) { return a.key < b.key; });
  return plan;
}

std::pair<std::string, std::string> s3_key_scope(std::string_view key) {
  const size_t root = key.rfind("AWSLogs/");
  if (root == std::string_view::npos) return {};
  std::string_view rest = key.substr(root + 8);
  // The next folder of `rest` (without its '/'), consumed; nullopt when
  // `rest` has no more folders.
  auto folder = [&rest]() -> std::optional<std::string_view> {
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    std::string_view f = rest.substr(0, slash);
    rest.remove_prefix(slash + 1);
    return f;
  };
  const std::optional<std::string_view> account = folder();
  const std::optional<std::string_view> service = folder();
  const std::optional<std::string_view> region = folder();
  if (!account || !service || !region) return {};
  constexpr std::string_view kHiveAccount = "aws-account-id=";
  constexpr std::string_view kHiveRegion = "aws-region=";
  if (account->starts_with(kHiveAccount)) {
    if (*service != "aws-service=vpcflowlogs" || !region->starts_with(kHiveRegion)) return {};
    return {std::string(account->substr(kHiveAccount.size())),
            std::string(region->substr(kHiveRegion.size()))};
  }
  if (*service != "vpcflowlogs") return {};
  return {std::string(*account), std::string(*region)};
}

bool s3_time_in_ranges(int64_t t, const std::vector<std::pair<int64_t, int64_t>>& ranges) {
  // The first range whose widened end lies after t has the earliest start
  // of all that could hold t (both ends grow with the index).
  const auto it = std::upper_bound(ranges.begin(), ranges.end(), t,
                                   [](int64_t v, const std::pair<int64_t, int64_t>& r) {
                                     return v < r.second + kS3MarginAfterS;
                                   });
  return it != ranges.end() && it->first - kS3MarginBeforeS <= t;
}

std::vector<flowlog::InputSource> make_s3_sources(aws::S3Api* api, const S3Plan& plan,
                                                  std::shared_ptr<S3Progress> progress,
                                                  const std::atomic<bool>* interrupted,
                                                  size_t buffer_bytes) {
  std::vector<flowlog::InputSource> out;
  if (progress) progress->objects_total = static_cast<int64_t>(plan.objects.size());
  for (const aws::S3ObjectInfo& obj : plan.objects) {
    const std::string bucket = plan.bucket;
    const std::string key = obj.key;
    out.push_back(flowlog::InputSource{
        "s3://" + bucket + "/" + key,
        [api, bucket, key, progress, buffer_bytes,
         interrupted]() -> Result<std::unique_ptr<flowlog::ByteSource>> {
          // Stopped: the objects not yet opened are not asked for.
          if (stop_requested(interrupted)) {
            return io_error("s3://" + bucket + "/" + key + ": interrupted");
          }
          return std::unique_ptr<flowlog::ByteSource>(std::make_unique<S3ObjectSource>(
              api, bucket, key, buffer_bytes, progress, interrupted));
        },
        [api, bucket, key, size = obj.size, progress,
         interrupted]() -> Result<std::unique_ptr<flowlog::RandomAccessSource>> {
          if (stop_requested(interrupted)) {
            return io_error("s3://" + bucket + "/" + key + ": interrupted");
          }
          return std::unique_ptr<flowlog::RandomAccessSource>(
              std::make_unique<S3RangeSource>(api, bucket, key, size, progress, interrupted));
        }});
  }
  return out;
}

}  // namespace efstop::cloud
