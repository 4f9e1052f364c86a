#include "cloud/readiness.h"

#include <algorithm>
#include <map>
#include <set>

#include "aws/cloudwatch_api.h"
#include "aws/flowlogs_api.h"
#include "aws/logs_api.h"
#include "cloud/discovery.h"
#include "cloud/insights_runner.h"
#include "flowlog/engine.h"
#include "flowlog/format.h"

namespace efstop::cloud {
namespace {

using nlohmann::json;

// The checks in the order doctor lists them.
std::vector<std::string> all_actions() {
  std::vector<std::string> out;
  auto add = [&](const std::vector<std::string>& actions) {
    for (const std::string& a : actions) {
      if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
    }
  };
  add(discovery_actions());
  add(actions_for(AccessMode::kNames));
  add(actions_for(AccessMode::kInsights));
  add(actions_for(AccessMode::kRaw));
  add(actions_for(AccessMode::kS3));
  add({std::string(kDoctorAction)});
  return out;
}

// A reading mode's own actions, without discovery's (not needed when the
// destination is given).
std::vector<std::string> read_actions(AccessMode mode) {
  std::vector<std::string> out = actions_for(mode);
  for (const std::string& d : discovery_actions()) std::erase(out, d);
  std::erase(out, std::string(kMetricsAction));  // needed apart: --no-metrics
  std::erase(out, std::string(kFirehoseAction));  // discovery's too (run() adds it then)
  return out;
}

class Checker {
 public:
  Checker(aws::AwsClient* client, const ReadinessOptions& o, Readiness* r)
      : client_(client), o_(o), r_(r) {
    for (const std::string& a : all_actions()) {
      PermissionCheck c;
      c.action = a;
      r_->permissions.push_back(c);
    }
  }

  PermissionCheck& check(std::string_view action) {
    for (PermissionCheck& c : r_->permissions) {
      if (c.action == action) return c;
    }
    PermissionCheck c;
    c.action = std::string(action);
    r_->permissions.push_back(c);
    return r_->permissions.back();
  }

  void need(const std::vector<std::string>& actions) {
    for (const std::string& a : actions) {
      PermissionCheck& c = check(a);
      if (!c.needed) {
        c.needed = true;
        c.state = PermissionState::kNotChecked;
      }
    }
  }

  // Records the outcome of the call that tried `action`.
  void record(std::string_view action, std::string call, bool ok, const aws::AwsError& err,
              const Status& status) {
    PermissionCheck& c = check(action);
    c.call = std::move(call);
    if (ok) {
      c.state = PermissionState::kOk;
      c.error_code.clear();
      c.message.clear();
      return;
    }
    c.error_code = err.code;
    c.message = status.message();
    c.state =
        aws::is_access_denied_code(err.code) ? PermissionState::kDenied : PermissionState::kFailed;
  }

  void not_checked(std::string_view action, std::string why) {
    PermissionCheck& c = check(action);
    c.state = PermissionState::kNotChecked;
    c.message = std::move(why);
  }

  bool is_ok(std::string_view action) { return check(action).state == PermissionState::kOk; }

  // EC2: DryRun=true proves the permission without doing the call.
  void probe_ec2(std::string_view action) {
    const std::string op(action.substr(4));
    aws::AwsError err;
    Result<aws::XmlDocument> doc =
        client_->call_query(aws::Service::kEc2, op, {{"DryRun", "true"}}, &err);
    const bool ok = doc.ok() || err.code == "DryRunOperation";
    record(action, op + " DryRun=true", ok, err, doc.status());
    if (ok) check(action).error_code = doc.ok() ? "" : "DryRunOperation";
  }

  // EFS: one file system, then one mount target of it.
  void probe_efs() {
    aws::AwsError err;
    Result<json> fs =
        client_->call_rest_json(aws::Service::kEfs, "DescribeFileSystems", "GET",
                                "/2015-02-01/file-systems", {{"MaxItems", "1"}}, {}, true, &err);
    record("elasticfilesystem:DescribeFileSystems", "DescribeFileSystems MaxItems=1", fs.ok(), err,
           fs.status());
    std::string fs_id;
    if (fs.ok()) {
      if (auto it = fs->find("FileSystems"); it != fs->end() && it->is_array() && !it->empty()) {
        fs_id = (*it)[0].value("FileSystemId", "");
      }
    }
    if (fs_id.empty()) {
      not_checked("elasticfilesystem:DescribeMountTargets",
                  fs.ok() ? "no file system in " + client_->region() + " to ask about"
                          : "DescribeFileSystems failed, so no file system to ask about");
      return;
    }
    aws::AwsError mt_err;
    Result<json> mt = client_->call_rest_json(
        aws::Service::kEfs, "DescribeMountTargets", "GET", "/2015-02-01/mount-targets",
        {{"FileSystemId", fs_id}, {"MaxItems", "1"}}, {}, true, &mt_err);
    record("elasticfilesystem:DescribeMountTargets",
           "DescribeMountTargets FileSystemId=" + fs_id + " MaxItems=1", mt.ok(), mt_err,
           mt.status());
  }

  // Logs Insights over one second of the groups: scans next to nothing.
  void probe_insights(const std::vector<std::string>& groups) {
    const std::string on =
        groups.size() == 1 ? groups[0] : std::to_string(groups.size()) + " groups";
    json req = {{"startTime", o_.now_s - 1},
                {"endTime", o_.now_s},
                {"queryString", "fields @timestamp | limit 1"},
                {"limit", 1}};
    if (groups.size() == 1) {
      req["logGroupName"] = groups[0];
    } else {
      req["logGroupNames"] = groups;
    }
    aws::AwsError err;
    Result<json> started = client_->call_json(aws::Service::kLogs, "StartQuery", req, &err);
    std::string id;
    if (started.ok()) id = started->value("queryId", "");
    record("logs:StartQuery", "StartQuery on " + on + " (1 s)", started.ok() && !id.empty(), err,
           started.ok() ? parse_error("StartQuery: answer has no queryId") : started.status());
    if (id.empty()) {
      for (const char* a : {"logs:GetQueryResults", "logs:StopQuery", "logs:DescribeQueries"}) {
        not_checked(a, "StartQuery failed, so no query to ask about");
      }
      return;
    }
    {
      aws::AwsError e;
      Result<json> answer = client_->call_json(
          aws::Service::kLogs, "DescribeQueries",
          {{"logGroupName", groups[0]}, {"status", "Running"}, {"maxResults", 1}}, &e);
      record("logs:DescribeQueries", "DescribeQueries on " + groups[0], answer.ok(), e,
             answer.status());
    }
    for (const char* op : {"GetQueryResults", "StopQuery"}) {
      aws::AwsError e;
      Result<json> answer = client_->call_json(aws::Service::kLogs, op, {{"queryId", id}}, &e);
      record(std::string("logs:") + op, std::string(op) + " " + id, answer.ok(), e,
             answer.status());
    }
  }

  void probe_filter(const std::vector<std::string>& groups) {
    for (const std::string& g : groups) {
      json req = {{"logGroupName", g},
                  {"startTime", (o_.now_s - 1) * 1000},
                  {"endTime", o_.now_s * 1000},
                  {"limit", 1}};
      aws::AwsError err;
      Result<json> answer = client_->call_json(aws::Service::kLogs, "FilterLogEvents", req, &err);
      record("logs:FilterLogEvents", "FilterLogEvents on " + g + " (1 s, limit 1)", answer.ok(),
             err, answer.status());
      if (!answer.ok()) return;  // the first failure is the answer
    }
  }

  // CloudWatch: one metric of one file system over the last five minutes
  // (a file system without data answers an empty series, not an error).
  void probe_metrics(const std::string& file_system_id) {
    aws::MetricQuery q;
    q.id = "probe";
    q.metric_name = "DataReadIOBytes";
    q.dimension_value = file_system_id.empty() ? "fs-00000000" : file_system_id;
    q.stat = "Sum";
    q.period_s = 300;
    const int64_t end = o_.now_s / 300 * 300;
    aws::AwsError err;
    Result<aws::XmlDocument> doc =
        client_->call_query(aws::Service::kCloudWatch, "GetMetricData",
                            aws::metric_data_params({q}, end - 300, end, ""), &err);
    record(kMetricsAction, "GetMetricData DataReadIOBytes of " + q.dimension_value + " (5 min)",
           doc.ok(), err, doc.status());
  }

  void probe_s3(const std::vector<aws::S3Location>& locations) {
    for (const aws::S3Location& loc : locations) {
      aws::AwsError err;
      auto page = client_->s3_list_objects_v2(loc.bucket, loc.prefix, "", "", 1, &err);
      record("s3:ListBucket", "ListObjectsV2 " + loc.to_uri() + " max-keys=1", page.ok(), err,
             page.status());
      if (!page.ok()) {
        not_checked("s3:GetObject", "ListObjectsV2 failed, so no object to ask about");
        return;
      }
      if (page->objects.empty()) {
        not_checked("s3:GetObject", "no object under " + loc.to_uri() + " to ask about");
        continue;
      }
      const std::string& key = page->objects.front().key;
      aws::AwsError get_err;
      auto got = client_->s3_get_object(
          loc.bucket, key, [](std::string_view) { return true; }, 0, 0, &get_err);
      record("s3:GetObject", "GetObject s3://" + loc.bucket + "/" + key + " bytes 0-0", got.ok(),
             get_err, got.status());
      if (!got.ok()) return;
    }
  }

 private:
  aws::AwsClient* client_;
  const ReadinessOptions& o_;
  Readiness* r_;
};

// What a chosen destination's flow-log format lacks, or "".
std::string format_problem(const Destination& d, Method method) {
  Result<flowlog::LogFormat> format =
      d.log_format.empty() ? Result<flowlog::LogFormat>(flowlog::LogFormat::default_v2())
                           : flowlog::parse_log_format(d.log_format);
  if (!format.ok()) return format.status().message();
  // The mount targets' addresses are known from discovery, so ports are not
  // needed to find EFS traffic (check_format's server_ips case).
  flowlog::EngineOptions eo;
  eo.server_ips.push_back(*flowlog::IpAddress::parse("0.0.0.0"));
  eo.window_start = 1;
  if (Status s = flowlog::check_format(*format, eo); !s.ok()) return s.message();
  if (d.kind == DestinationKind::kLogGroup && method == Method::kInsights &&
      !format->has_interface_id()) {
    return "lacks the interface-id field (Logs Insights groups records by it; efstop falls back "
           "to FilterLogEvents, which needs logs:FilterLogEvents)";
  }
  return "";
}

}  // namespace

std::string_view permission_state_name(PermissionState state) {
  switch (state) {
    case PermissionState::kOk:
      return "ok";
    case PermissionState::kDenied:
      return "denied";
    case PermissionState::kFailed:
      return "failed";
    case PermissionState::kNotChecked:
      return "not checked";
    case PermissionState::kNotNeeded:
      return "not needed";
  }
  return "?";
}

bool Readiness::ready() const {
  for (const PermissionCheck& c : permissions) {
    if (c.needed && c.state != PermissionState::kOk) return false;
  }
  if (!uncovered.empty() || !format_problems.empty() || !not_checked.empty()) return false;
  for (const LogGroupCheck& g : log_groups) {
    if (!g.found || g.retention_short) return false;
  }
  return true;
}

Result<Readiness> check_readiness(aws::AwsClient* client, const ReadinessOptions& o) {
  Readiness r;
  r.usd_per_gb = o.usd_per_gb;
  r.discovery = o.log_groups.empty() && o.s3_uri.empty();
  if (!o.s3_uri.empty()) {
    EFSTOP_ASSIGN_OR_RETURN(aws::S3Location loc, aws::parse_s3_location(o.s3_uri));
    r.s3_read.push_back(loc);
  }
  r.log_groups_read = o.log_groups;
  Checker ck(client, o, &r);

  // 1. EFS and EC2: what naming and discovery need.
  if (o.names) {
    r.modes.push_back(AccessMode::kNames);
    ck.need(actions_for(AccessMode::kNames));
  }
  if (r.discovery) ck.need(discovery_actions());
  if (o.names || r.discovery) ck.probe_efs();
  for (const char* a : {"ec2:DescribeFlowLogs", "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeInstances", "ec2:DescribeVpcEndpoints"}) {
    if (ck.check(a).needed) ck.probe_ec2(a);
  }

  // 2. Discovery: mount targets, their flow logs, coverage and formats.
  if (r.discovery) {
    aws::EfsApi efs(client);
    Result<aws::EfsInventory> inv = efs.describe_inventory();
    if (!inv.ok()) {
      r.not_checked.push_back("flow-log coverage: the mount targets could not be listed: " +
                              inv.status().message());
    } else {
      for (const aws::MountTargetFailure& f : inv->failures) {
        r.not_checked.push_back("flow-log coverage of " + f.file_system_id + ": " +
                                f.status.message());
      }
      r.mount_targets = inv->mount_targets;
      Result<Discovery> d = discover_flow_logs(client, inv->mount_targets);
      if (!d.ok()) {
        r.not_checked.push_back("flow-log coverage: " + d.status().message());
      } else {
        // A Firehose flow log: discovery asked DescribeDeliveryStream; prove
        // the permission with the first stream again.
        for (const aws::FlowLogInfo& f : d->flow_logs) {
          const std::string name = aws::delivery_stream_name(f.log_destination);
          // As discovery: only an ACTIVE flow log of accepted traffic is followed.
          const bool usable =
              (f.status.empty() || f.status == "ACTIVE") &&
              (f.traffic_type.empty() || f.traffic_type == "ALL" || f.traffic_type == "ACCEPT");
          if (f.destination_type != "kinesis-data-firehose" || name.empty() || !usable) continue;
          ck.need({std::string(kFirehoseAction)});
          aws::AwsError err;
          Result<aws::DeliveryStreamInfo> info = aws::describe_delivery_stream(client, name, &err);
          ck.record(kFirehoseAction, "DescribeDeliveryStream " + name, info.ok(), err,
                    info.status());
          break;
        }
        r.uncovered = d->uncovered;
        r.enable_command = d->enable_command;
        r.notes = d->notes;
        for (const Destination& dest : d->chosen) {
          if (dest.kind == DestinationKind::kLogGroup) {
            r.log_groups_read.push_back(dest.log_group);
          } else {
            r.s3_read.push_back(dest.s3);
          }
          const std::string problem = format_problem(dest, o.method);
          if (!problem.empty()) {
            r.format_problems.push_back({dest.flow_log_ids.empty() ? "" : dest.flow_log_ids.front(),
                                         dest.describe(), dest.log_format, problem});
          }
        }
        if (inv->mount_targets.empty()) {
          r.not_checked.push_back("flow-log coverage: no EFS mount target in " + client->region() +
                                  " (check --region and --profile)");
        }
      }
    }
  }

  // 3. Reading: the log groups (Insights or raw) and S3 locations.
  if (!r.log_groups_read.empty()) {
    const AccessMode m = o.method == Method::kRaw ? AccessMode::kRaw : AccessMode::kInsights;
    r.modes.push_back(m);
    ck.need(read_actions(m));
    ck.need({std::string(kDoctorAction)});
    if (m == AccessMode::kInsights) {
      // StartQuery takes at most 50 groups.
      std::vector<std::string> first(
          r.log_groups_read.begin(),
          r.log_groups_read.begin() + std::min<size_t>(50, r.log_groups_read.size()));
      ck.probe_insights(first);
    } else {
      ck.probe_filter(r.log_groups_read);
    }
  }
  if (!r.s3_read.empty()) {
    r.modes.push_back(AccessMode::kS3);
    ck.need(read_actions(AccessMode::kS3));
    ck.probe_s3(r.s3_read);
  }
  // The metrics, as `efstop top` reads them: they need the file systems and
  // mount targets (which file system a flow is of), listed by names or
  // discovery, else by the metrics step itself.
  if (o.metrics && (!r.log_groups_read.empty() || !r.s3_read.empty())) {
    ck.need({std::string(kMetricsAction)});
    if (!o.names && !r.discovery) {
      ck.need({"elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeMountTargets"});
      ck.probe_efs();
    }
    ck.probe_metrics(r.mount_targets && !r.mount_targets->empty()
                         ? r.mount_targets->front().file_system_id
                         : std::string());
  }
  if (r.discovery && r.log_groups_read.empty() && r.s3_read.empty()) {
    for (const char* a :
         {"logs:StartQuery", "logs:GetQueryResults", "logs:StopQuery", "logs:DescribeQueries",
          "logs:FilterLogEvents", "s3:ListBucket", "s3:GetObject", "cloudwatch:GetMetricData"}) {
      PermissionCheck& c = ck.check(a);
      if (!c.needed) {
        c.state = PermissionState::kNotChecked;
        c.message = "no flow-log destination was found to read";
      }
    }
  }

  // 4. The log groups: retention against the window, one hour's scan cost.
  if (!r.log_groups_read.empty()) {
    aws::LogsApi logs(client);
    for (const std::string& name : r.log_groups_read) {
      aws::AwsError err;
      Result<std::vector<aws::LogGroupInfo>> found = logs.describe_log_groups(name, &err);
      ck.record(kDoctorAction, "DescribeLogGroups prefix " + name, found.ok(), err, found.status());
      if (!found.ok()) {
        r.not_checked.push_back("retention and scan cost of " + name + ": " +
                                found.status().message());
        continue;
      }
      LogGroupCheck g;
      g.name = name;
      for (const aws::LogGroupInfo& info : *found) {
        if (info.name != name) continue;
        g.found = true;
        g.retention_days = info.retention_days;
        g.stored_bytes = info.stored_bytes;
        g.creation_time_ms = info.creation_time_ms;
      }
      if (g.found) {
        // storedBytes holds the events of the retention period, or of the
        // group's whole life when that is shorter: spread it over those hours.
        double hours = 0;
        if (g.creation_time_ms > 0) {
          hours = static_cast<double>(o.now_s - g.creation_time_ms / 1000) / 3600.0;
        }
        if (g.retention_days) {
          const double kept = *g.retention_days * 24.0;
          hours = hours > 0 ? std::min(hours, kept) : kept;
        }
        g.hours_held = std::max(1.0, hours);
        g.bytes_per_hour = static_cast<double>(g.stored_bytes) / g.hours_held;
        g.usd_per_hour = g.bytes_per_hour / kBytesPerGb * o.usd_per_gb;
        g.retention_short =
            g.retention_days && static_cast<int64_t>(*g.retention_days) * 86400 < o.window_s;
        r.bytes_per_hour += g.bytes_per_hour;
        r.usd_per_hour += g.usd_per_hour;
      }
      r.log_groups.push_back(g);
    }
  }
  return r;
}

}  // namespace efstop::cloud
