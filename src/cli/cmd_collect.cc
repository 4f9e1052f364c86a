// `efstop collect`: counts whole buckets of flow logs and stores their
// per-(client, server) sums in the store, for `efstop top --from-store`.
//
// Steps: parse the options; take the collect lock (one collector per store
// at a time); decide the window (whole buckets, from the last successful
// run or --since/--start, up to --end or now minus --delay); count each
// bucket; store them in one transaction (replacing the buckets of the
// window); prune what is older than --keep. docs/history.md has the rules.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/aws_flags.h"
#include "cli/cloud_flags.h"
#include "cli/command.h"
#include "cli/input_flags.h"
#include "cli/name_flags.h"
#include "cli/time_arg.h"
#include "flowlog/engine.h"
#include "report/model.h"
#include "report/units.h"
#include "store/history_store.h"
#include "store/name_store.h"

namespace efstop::cli {

namespace {

// Bucket widths a collection may use. One store keeps one width (the first
// collection's): buckets of two widths over one time would overlap.
constexpr int64_t kBucketChoices[] = {300, 900, 3600, 86400};

struct CollectSettings {
  flowlog::EngineOptions engine;
  CloudFlags cloud;  // the flow logs in AWS (cli/cloud_flags.h), as for top
  NameFlags names;   // names at collect time (cli/name_flags.h); .aws: the connection
  std::optional<int64_t> start;
  std::optional<int64_t> end;
  std::optional<int64_t> since;
  int64_t bucket_s = 3600;
  bool bucket_given = false;
  int64_t delay_s = 15 * 60;
  int64_t keep_s = 90 * 86400;
  bool quiet = false;
  bool help = false;
};

std::optional<int64_t> parse_bucket(std::string_view v) {
  if (v == "5m") return 300;
  if (v == "15m") return 900;
  if (v == "1h") return 3600;
  if (v == "1d") return 86400;
  return std::nullopt;
}

std::string bucket_name(int64_t s) {
  switch (s) {
    case 300:
      return "5m";
    case 900:
      return "15m";
    case 3600:
      return "1h";
    case 86400:
      return "1d";
    default:
      return std::to_string(s) + "s";
  }
}

int64_t floor_to(int64_t t, int64_t w) {
  int64_t q = t / w;
  if (t % w != 0 && t < 0) --q;
  return q * w;
}

std::vector<OptionGroup> make_groups(CollectSettings* s) {
  std::vector<OptionGroup> groups;
  OptionGroup input("Input");
  add_input_flags(&input, &s->engine);
  groups.push_back(std::move(input));

  OptionGroup window("Window (whole UTC buckets; docs/history.md)");
  window.add_value("--since", "DURATION",
                   "collect from that long before the end (rounded down to a\n"
                   "bucket), instead of from the end of the last successful run",
                   [s](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(s->since, parse_duration(v));
                     return Status();
                   });
  window.add_value("--start", "TIME", "collect from TIME (rounded down to a bucket)",
                   [s](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(s->start, parse_time_arg(v));
                     return Status();
                   });
  window.add_value("--end", "TIME",
                   "collect up to TIME (rounded down to a bucket; default: now\n"
                   "minus --delay)",
                   [s](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(s->end, parse_time_arg(v));
                     return Status();
                   });
  window.add_value("--delay", "DURATION",
                   "how late flow-log records arrive: buckets ending after now\n"
                   "minus DURATION are left for the next run (default 15m)",
                   [s](std::string_view v) -> Status {
                     EFSTOP_ASSIGN_OR_RETURN(s->delay_s, parse_duration(v));
                     return Status();
                   });
  window.add_value("--bucket", "WIDTH",
                   "5m, 15m, 1h (default) or 1d; a store keeps the width of its\n"
                   "first collection",
                   [s](std::string_view v) -> Status {
                     auto b = parse_bucket(v);
                     if (!b) return invalid_argument_error("want 5m, 15m, 1h or 1d");
                     s->bucket_s = *b;
                     s->bucket_given = true;
                     return Status();
                   });
  groups.push_back(std::move(window));

  OptionGroup store("Store");
  store.add_value("--keep", "DURATION",
                  "delete buckets that started longer ago than DURATION before\n"
                  "the collected window's end (default 90d)",
                  [s](std::string_view v) -> Status {
                    EFSTOP_ASSIGN_OR_RETURN(s->keep_s, parse_duration(v));
                    return Status();
                  });
  store.add_value("--cache-dir", "DIR",
                  "the store's directory (default $XDG_CACHE_HOME/efstop or\n"
                  "~/.cache/efstop), as for top's names",
                  [s](std::string_view v) -> Status {
                    if (v.empty()) return invalid_argument_error("want a directory");
                    s->names.cache_dir = std::string(v);
                    return Status();
                  });
  groups.push_back(std::move(store));

  OptionGroup names("Names stored with each collection (docs/history.md)");
  add_name_flags(&names, &s->names, NameFlagSet{false, false});
  groups.push_back(std::move(names));

  OptionGroup aws_group("AWS connection (with --names, or when no SOURCE is named)");
  add_aws_flags(&aws_group, &s->names.aws);
  groups.push_back(std::move(aws_group));

  OptionGroup cloud_group("Flow logs in AWS (read when no SOURCE is named; docs/sources.md)");
  add_cloud_flags(&cloud_group, &s->cloud, AthenaChoice::kNotOffered);
  groups.push_back(std::move(cloud_group));

  OptionGroup general("General");
  general.add_flag("--quiet", "print nothing on stderr but errors and warnings",
                   [s] { s->quiet = true; });
  general.add_flag("--help", "show this help", [s] { s->help = true; });
  groups.push_back(std::move(general));
  return groups;
}

std::vector<OptionGroup*> pointers(std::vector<OptionGroup>& groups) {
  std::vector<OptionGroup*> out;
  for (OptionGroup& g : groups) out.push_back(&g);
  return out;
}

// What a run read, for the collection row: the files, or where in AWS.
std::string describe_sources(const std::vector<std::string>& sources, const CloudFlags& cloud,
                             const std::string& region) {
  std::string out;
  if (!sources.empty()) {
    out = "files:";
    for (const std::string& s : sources) out += " " + s;
  } else if (!cloud.s3.empty()) {
    out = "s3: " + cloud.s3;
  } else if (!cloud.log_groups.empty()) {
    out = std::string("logs ") + (cloud.method == cloud::Method::kRaw ? "raw" : "insights") + ":";
    for (const std::string& g : cloud.log_groups) out += " " + g;
  } else {
    out = "aws: the flow logs discovery finds";
  }
  if (sources.empty() && !region.empty()) out += " (" + region + ")";
  return out;
}

// An exclusive, non-blocking flock on "<store>.collect-lock", held until
// the process ends (or the descriptor closes). -1 and errno EWOULDBLOCK when
// another collector holds it.
int take_collect_lock(const std::string& store_path) {
  const std::string path = store_path + ".collect-lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

// Standard input, kept in a private temporary file: each bucket is counted
// by its own pass over the inputs, and stdin can be read only once. The file
// is removed when this object goes.
class StdinCopy {
 public:
  ~StdinCopy() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  Status save(const std::string& dir) {
    std::string templ = dir + "/collect-stdin-XXXXXX";
    const int fd = ::mkstemp(templ.data());
    if (fd < 0) return io_error("save stdin in " + dir + ": " + std::strerror(errno));
    path_ = templ;
    char buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || ::write(fd, buf, static_cast<size_t>(n)) != n) {
        const int saved = errno;
        ::close(fd);
        return io_error("save stdin in " + path_ + ": " + std::strerror(saved));
      }
    }
    ::close(fd);
    return Status();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The names of every address of `rows` now, as top would name them at the
// window's end (the resolver, its cache and history: docs/names.md), in
// the form the report shows them.
std::vector<store::CollectedName> name_addresses(const std::vector<store::BucketTotals>& rows,
                                                 int64_t end, Naming& naming,
                                                 const NameFlags& flags, bool quiet,
                                                 std::ostream& err) {
  std::map<std::pair<std::string, std::string>, bool> pairs;
  for (const store::BucketTotals& r : rows) pairs[{r.client, r.server}] = true;
  std::vector<report::Row> pair_rows;
  for (const auto& [pair, unused] : pairs) {
    report::Row row;
    row.client = report::end_from_ip(pair.first);
    row.server = report::end_from_ip(pair.second);
    row.counters.last_seen = end;
    pair_rows.push_back(std::move(row));
  }
  pair_rows = name_rows(std::move(pair_rows), naming, flags, NameGrouping::kNone, quiet, err);
  std::map<std::string, store::CollectedName> by_ip;
  for (const report::Row& row : pair_rows) {
    for (const std::optional<report::End>* end_of : {&row.client, &row.server}) {
      if (!end_of->has_value() || (*end_of)->ips.size() != 1 || (*end_of)->name.empty()) continue;
      const report::End& e = **end_of;
      by_ip[e.ips.front()] =
          store::CollectedName{e.ips.front(), e.name, e.kind, e.id, e.az, e.account};
    }
  }
  std::vector<store::CollectedName> out;
  for (auto& [ip, n] : by_ip) out.push_back(std::move(n));
  return out;
}

}  // namespace

void print_collect_help(std::ostream& out) {
  CollectSettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  out << "usage: efstop collect [OPTIONS] [SOURCE...]\n"
      << "\n"
      << "Counts the flow logs in whole UTC buckets and stores each bucket's bytes per\n"
      << "client/server pair in the store (the names' SQLite file), for\n"
      << "'efstop top --from-store'. Run it from cron or a systemd timer: each run\n"
      << "reads from the end of the last successful run up to now minus --delay.\n"
      << "Collecting a window again replaces its buckets: nothing is counted twice.\n"
      << "SOURCE as for top: flow-log files, directories, or - for stdin; with no\n"
      << "SOURCE, the flow logs in AWS (--log-group, --s3, or those discovery finds\n"
      << "from --profile/--region), read once per bucket.\n";
  print_options(pointers(groups), out);
  out << "\n"
      << "Examples:\n"
      << "  efstop collect /var/log/flowlogs/             every hour, from cron\n"
      << "  efstop collect --since 7d --keep 30d flowlogs/  backfill a week\n"
      << "  efstop collect --profile prod --region eu-west-1   from AWS, every hour\n"
      << "  efstop top --from-store --since 7d --by hour-of-day\n"
      << "\n"
      << "Exit status: 0 stored (or nothing new to collect), 1 runtime failure (also:\n"
      << "another collect holds the store), 2 usage error, 3 some input could not be\n"
      << "read: nothing was stored, and the next run collects the window again.\n";
}

int run_collect(const std::vector<std::string>& args, CommandContext& ctx) {
  // 1. Options.
  CollectSettings settings;
  std::vector<OptionGroup> groups = make_groups(&settings);
  std::vector<std::string> sources;
  if (Status s = parse_args(args, pointers(groups), &sources); !s.ok()) {
    return usage_error(ctx, "collect", s);
  }
  if (settings.help) {
    print_collect_help(ctx.out);
    return kExitOk;
  }
  if (Status s = check_input_choice(sources, settings.cloud); !s.ok()) {
    return usage_error(ctx, "collect", s);
  }
  if (settings.since && settings.start) {
    return usage_error(ctx, "collect",
                       invalid_argument_error("parse --since: --start is given too; use one"));
  }

  // 2. The store and the lock.
  Result<std::string> dir = store::default_store_dir(settings.names.cache_dir);
  if (!dir.ok()) return usage_error(ctx, "collect", dir.status());
  if (Status s = store::prepare_store_dir(*dir); !s.ok()) {
    ctx.err << "efstop: " << s.message() << '\n';
    return kExitFailure;
  }
  const std::string path = *dir + "/" + std::string(store::kStoreFileName);
  const int lock = take_collect_lock(path);
  if (lock < 0) {
    if (errno == EWOULDBLOCK) {
      ctx.err << "efstop: collect " << path
              << ": another efstop collect is running on this store; this run stopped "
                 "without reading (the next run collects from where the last successful one "
                 "ended)\n";
    } else {
      ctx.err << "efstop: collect " << path << ".collect-lock: " << std::strerror(errno) << '\n';
    }
    return kExitFailure;
  }
  store::StoreOptions options;
  options.path = path;
  options.busy_timeout_ms = 30000;
  // The writer checks every page before it adds to the file (readers do
  // not: docs/history.md, "Integrity").
  options.full_check = true;
  options.warn = [&ctx](const std::string& w) { ctx.err << "efstop: " << w << '\n'; };
  Result<std::unique_ptr<store::HistoryStore>> opened = store::HistoryStore::open(options);
  if (!opened.ok()) {
    ctx.err << "efstop: " << opened.status().message() << '\n';
    return kExitFailure;
  }
  store::HistoryStore& history = **opened;

  // Names, resolved now and stored with the collection (as top: on by
  // default when the flow logs come from AWS). The mount targets also make
  // the engine's server side exact and tell discovery what to look for.
  NameFlags& names = settings.names;
  if (sources.empty() && !names.no_names) names.names = true;
  if (names.no_names && names.enabled()) {
    return usage_error(ctx, "collect",
                       invalid_argument_error("parse --no-names: --names, --inventory, --offline "
                                              "or --labels ask for names; use one or the other"));
  }
  std::optional<Naming> naming;
  if (names.enabled()) {
    Result<Naming> opened_naming = open_naming(names, ctx.now(), ctx.err);
    if (!opened_naming.ok()) {
      if (opened_naming.status().code() == StatusCode::kInvalidArgument) {
        return usage_error(ctx, "collect", opened_naming.status());
      }
      ctx.err << "efstop: " << opened_naming.status().message() << '\n';
      return kExitFailure;
    }
    naming = std::move(opened_naming).value();
    // Without the mount targets the counts would differ from top's: stop,
    // as top does, and say why.
    if (Status efs = naming->resolver->efs_status(); !efs.ok()) {
      ctx.err << "efstop: " << efs.message() << '\n'
              << "efstop: the EFS mount targets are needed to count EFS traffic; nothing was "
                 "collected (fix the error above, or collect without names: --no-names)\n";
      return kExitFailure;
    }
    for (const aws::MountTarget& m : naming->resolver->efs().mount_targets) {
      for (const std::string* ip : {&m.ip, &m.ipv6}) {
        if (auto a = flowlog::IpAddress::parse(*ip)) settings.engine.server_ips.push_back(*a);
      }
      if (!m.eni_id.empty()) settings.engine.server_enis.push_back(m.eni_id);
    }
  }
  // With no SOURCE: the AWS client every bucket's read goes through.
  std::optional<AwsSession> own_session;
  aws::AwsClient* client = nullptr;
  std::optional<std::vector<aws::MountTarget>> mount_targets;
  if (sources.empty()) {
    if (naming && naming->aws) {
      client = naming->aws->client.get();
    } else {
      Result<AwsSession> opened_session =
          open_aws_session(names.aws, aws::EnvVars::from_process(), ctx.err);
      if (!opened_session.ok()) {
        if (opened_session.status().code() == StatusCode::kInvalidArgument) {
          return usage_error(ctx, "collect", opened_session.status());
        }
        ctx.err << "efstop: " << opened_session.status().message() << '\n';
        return kExitFailure;
      }
      own_session = std::move(opened_session).value();
      client = own_session->client.get();
    }
    if (naming) mount_targets = naming->resolver->efs().mount_targets;
  }
  const std::string source_text =
      describe_sources(sources, settings.cloud, client != nullptr ? client->region() : "");
  StdinCopy stdin_copy;
  for (std::string& source : sources) {
    if (source != "-") continue;
    if (stdin_copy.path().empty()) {
      if (Status s = stdin_copy.save(*dir); !s.ok()) {
        ctx.err << "efstop: " << s.message() << '\n';
        return kExitFailure;
      }
    }
    source = stdin_copy.path();
  }

  // 3. The window: whole buckets only.
  Result<std::optional<int64_t>> width = history.bucket_width();
  Result<std::optional<store::Collection>> last = history.last_ok_collection();
  if (!width.ok() || !last.ok()) {
    ctx.err << "efstop: " << (!width.ok() ? width.status() : last.status()).message() << '\n';
    return kExitFailure;
  }
  if (*width && **width != settings.bucket_s) {
    if (settings.bucket_given) {
      return usage_error(
          ctx, "collect",
          invalid_argument_error("parse --bucket: the store " + path + " holds " +
                                 bucket_name(**width) + " buckets; collect with --bucket " +
                                 bucket_name(**width) +
                                 ", or use another --cache-dir for another width"));
    }
    settings.bucket_s = **width;
  }
  const int64_t w = settings.bucket_s;
  const int64_t end = floor_to(settings.end ? *settings.end : ctx.now() - settings.delay_s, w);
  int64_t start = 0;
  if (settings.start) {
    start = floor_to(*settings.start, w);
  } else if (settings.since) {
    start = floor_to(end - *settings.since, w);
  } else if (*last) {
    start = (*last)->window_end;
  } else {
    start = end - w;  // a first run without --since: the last whole bucket
  }
  if (start >= end) {
    if (!settings.quiet) {
      ctx.err << "collect: nothing new: the last successful run ended at "
              << report::format_iso8601_utc(start) << ", the next whole " << bucket_name(w)
              << " bucket ends after " << report::format_iso8601_utc(end) << "\n";
    }
    return kExitOk;
  }

  // 4. Count each bucket: the engine's window rule (a record counts in the
  // bucket its start lies in), so a bucket holds exactly what
  // `efstop top --start B --end B+width` counts.
  std::vector<store::BucketTotals> rows;
  flowlog::FlowStats totals;
  std::vector<std::string> failed;
  bool first = true;
  for (int64_t b = start; b < end; b += w) {
    flowlog::EngineOptions engine = settings.engine;
    engine.window_start = b;
    engine.window_end = b + w;
    // One read per bucket, local or in AWS: a record counts in the bucket
    // its start lies in, whatever window the run has (the store's rule).
    Result<flowlog::EngineResult> result =
        client != nullptr
            ? read_cloud_sources(settings.cloud, client, engine, b, b + w, mount_targets, ctx.err,
                                 settings.quiet || !first, ::isatty(STDERR_FILENO) == 1)
            : flowlog::run_engine(sources, engine);
    if (!result.ok()) {
      if (result.status().code() == StatusCode::kInvalidArgument) {
        return usage_error(ctx, "collect", result.status());
      }
      ctx.err << "efstop: " << result.status().message() << '\n';
      store::Collection c{0,         start,       end,      w,
                          ctx.now(), source_text, "failed", result.status().message()};
      (void)history.record_failed_collection(c);
      return kExitFailure;
    }
    // The inputs are the same for every bucket: report their problems once.
    if (first) {
      for (const std::string& warning : result->warnings) {
        ctx.err << "efstop: warning: " << warning << '\n';
      }
      for (const flowlog::InputReport& input : result->inputs) {
        if (input.failed) {
          ctx.err << "efstop: read " << input.error << '\n';
          failed.push_back(input.error);
        }
        if (settings.quiet) continue;
        for (const std::string& d : input.diagnostics) ctx.err << "efstop: skip " << d << '\n';
        const int64_t hidden = input.skipped - static_cast<int64_t>(input.diagnostics.size());
        if (hidden > 0) {
          ctx.err << "efstop: skip " << input.name << ": " << hidden << " more malformed line"
                  << (hidden == 1 ? "" : "s") << " not shown\n";
        }
      }
      totals.lines = result->stats.lines;
      totals.skipped = result->stats.skipped;
      first = false;
    } else {
      for (const flowlog::InputReport& input : result->inputs) {
        if (input.failed && failed.empty()) failed.push_back(input.error);
      }
    }
    totals.used += result->stats.used;
    totals.duplicates += result->stats.duplicates;
    for (const flowlog::PairTotals& p : result->pairs) {
      store::BucketTotals r;
      r.bucket_start = b;
      r.client = p.client.to_string();
      r.server = p.server.to_string();
      r.bytes_read = p.bytes_read;
      r.bytes_written = p.bytes_written;
      r.packets = p.packets;
      r.flows = p.flows;
      r.rejected = p.rejected;
      r.packets_unknown = p.packets_unknown;
      r.bytes_unknown = p.bytes_unknown;
      rows.push_back(std::move(r));
    }
  }

  // 5. Store: all of the window or nothing. An input that could not be read
  // would leave its records out of buckets stored as complete, so a partial
  // run stores nothing and does not advance the last successful window.
  store::Collection c{0, start, end, w, ctx.now(), source_text, "ok", ""};
  if (!failed.empty()) {
    c.status = "partial";
    c.detail = failed.front();
    if (Status s = history.record_failed_collection(c); !s.ok()) {
      ctx.err << "efstop: " << s.message() << '\n';
      return kExitFailure;
    }
    ctx.err << "partial: " << failed.size() << " input" << (failed.size() == 1 ? "" : "s")
            << " could not be read; nothing stored for " << report::format_iso8601_utc(start)
            << " to " << report::format_iso8601_utc(end) << " (the next run collects it again)\n";
    return kExitPartial;
  }
  std::vector<store::CollectedName> collected_names;
  if (naming) collected_names = name_addresses(rows, end, *naming, names, settings.quiet, ctx.err);
  Result<int64_t> id = history.store_collection(c, rows, collected_names);
  if (!id.ok()) {
    ctx.err << "efstop: " << id.status().message() << '\n';
    return kExitFailure;
  }
  int64_t read = 0;
  int64_t written = 0;
  for (const store::BucketTotals& r : rows) {
    read += r.bytes_read;
    written += r.bytes_written;
  }

  // 6. Prune.
  const int64_t cutoff = end - settings.keep_s;
  Result<int64_t> pruned = history.prune_before(cutoff);
  if (!pruned.ok()) {
    ctx.err << "efstop: " << pruned.status().message() << '\n';
    return kExitFailure;
  }
  if (!settings.quiet) {
    ctx.err << "collected: " << (end - start) / w << " bucket"
            << ((end - start) / w == 1 ? "" : "s") << " of " << bucket_name(w) << " from "
            << report::format_iso8601_utc(start) << " to " << report::format_iso8601_utc(end)
            << ": " << rows.size() << " pair-bucket rows, read " << read << " B, written "
            << written << " B\n"
            << "store: " << path << "\n";
    if (*pruned > 0) {
      ctx.err << "pruned: " << *pruned << " pair-bucket rows that started before "
              << report::format_iso8601_utc(cutoff) << " (--keep)\n";
    }
  }
  ::close(lock);
  return kExitOk;
}

}  // namespace efstop::cli
