#include "aws/logs_api.h"

#include "aws/paginate.h"

namespace efstop::aws {

namespace {

using nlohmann::json;

Status missing(std::string_view operation, std::string_view member) {
  return parse_error(std::string(operation) + ": answer has no " + std::string(member));
}

// Insights statistics are doubles; some answers send integers. Both are fine.
double number_or_zero(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_number()) return 0;
  return it->get<double>();
}

QueryStatus status_from_name(std::string_view s) {
  if (s == "Scheduled") return QueryStatus::kScheduled;
  if (s == "Running") return QueryStatus::kRunning;
  if (s == "Complete") return QueryStatus::kComplete;
  if (s == "Failed") return QueryStatus::kFailed;
  if (s == "Cancelled") return QueryStatus::kCancelled;
  if (s == "Timeout") return QueryStatus::kTimeout;
  return QueryStatus::kUnknown;
}

}  // namespace

std::string_view query_status_name(QueryStatus status) {
  switch (status) {
    case QueryStatus::kScheduled:
      return "Scheduled";
    case QueryStatus::kRunning:
      return "Running";
    case QueryStatus::kComplete:
      return "Complete";
    case QueryStatus::kFailed:
      return "Failed";
    case QueryStatus::kCancelled:
      return "Cancelled";
    case QueryStatus::kTimeout:
      return "Timeout";
    case QueryStatus::kUnknown:
      break;
  }
  return "Unknown";
}

Result<QueryResults> parse_query_results(const json& answer) {
  if (!answer.is_object()) return parse_error("GetQueryResults: answer is not a JSON object");
  QueryResults out;
  auto st = answer.find("status");
  if (st == answer.end() || !st->is_string()) return missing("GetQueryResults", "status");
  out.status = status_from_name(st->get<std::string>());
  if (auto it = answer.find("results"); it != answer.end() && it->is_array()) {
    out.rows.reserve(it->size());
    for (const json& row : *it) {
      if (!row.is_array()) return parse_error("GetQueryResults: a result row is not an array");
      QueryRow r;
      r.reserve(row.size());
      for (const json& cell : row) {
        auto f = cell.find("field");
        if (f == cell.end() || !f->is_string()) {
          return parse_error("GetQueryResults: a result cell has no field name");
        }
        auto v = cell.find("value");
        // A cell without a value is the same as an omitted field.
        if (v == cell.end() || !v->is_string()) continue;
        r.emplace_back(f->get<std::string>(), v->get<std::string>());
      }
      out.rows.push_back(std::move(r));
    }
  }
  if (auto it = answer.find("statistics"); it != answer.end() && it->is_object()) {
    out.statistics.records_matched = number_or_zero(*it, "recordsMatched");
    out.statistics.records_scanned = number_or_zero(*it, "recordsScanned");
    out.statistics.bytes_scanned = number_or_zero(*it, "bytesScanned");
  }
  return out;
}

Result<FilterLogEventsPage> parse_filter_log_events(const json& answer) {
  if (!answer.is_object()) return parse_error("FilterLogEvents: answer is not a JSON object");
  FilterLogEventsPage page;
  if (auto it = answer.find("events"); it != answer.end() && it->is_array()) {
    page.events.reserve(it->size());
    for (const json& ev : *it) {
      LogEvent e;
      auto msg = ev.find("message");
      if (msg == ev.end() || !msg->is_string())
        continue;  // an event without a message has no record
      e.message = msg->get<std::string>();
      if (auto ts = ev.find("timestamp"); ts != ev.end() && ts->is_number_integer()) {
        e.timestamp_ms = ts->get<int64_t>();
      }
      if (auto s = ev.find("logStreamName"); s != ev.end() && s->is_string()) {
        e.log_stream_name = s->get<std::string>();
      }
      page.events.push_back(std::move(e));
    }
  }
  if (auto it = answer.find("nextToken"); it != answer.end() && it->is_string()) {
    page.next_token = it->get<std::string>();
  }
  return page;
}

Result<json> filter_log_events_request(const FilterLogEventsInput& input) {
  if (!input.log_stream_names.empty() && !input.log_stream_name_prefix.empty()) {
    return invalid_argument_error(
        "filter-log-events: log stream names and a stream name prefix are mutually exclusive");
  }
  if (input.log_stream_names.size() > 100) {
    return invalid_argument_error("filter-log-events: at most 100 log stream names per call, got " +
                                  std::to_string(input.log_stream_names.size()));
  }
  json req = json::object();
  if (input.log_group.rfind("arn:", 0) == 0) {
    req["logGroupIdentifier"] = input.log_group;
  } else {
    req["logGroupName"] = input.log_group;
  }
  if (!input.log_stream_names.empty()) req["logStreamNames"] = input.log_stream_names;
  if (!input.log_stream_name_prefix.empty())
    req["logStreamNamePrefix"] = input.log_stream_name_prefix;
  if (input.start_time_ms) req["startTime"] = *input.start_time_ms;
  if (input.end_time_ms) req["endTime"] = *input.end_time_ms;
  if (!input.filter_pattern.empty()) req["filterPattern"] = input.filter_pattern;
  if (!input.next_token.empty()) req["nextToken"] = input.next_token;
  if (input.limit > 0) req["limit"] = input.limit;
  return req;
}

Result<std::string> LogsApi::start_query(const StartQueryInput& input, bool* maybe_started) {
  if (input.log_groups.empty() || input.log_groups.size() > 50) {
    return invalid_argument_error("start-query: between 1 and 50 log groups, got " +
                                  std::to_string(input.log_groups.size()));
  }
  json req = json::object();
  bool any_arn = false;
  for (const std::string& g : input.log_groups) any_arn = any_arn || g.rfind("arn:", 0) == 0;
  if (any_arn) {
    req["logGroupIdentifiers"] = input.log_groups;
  } else if (input.log_groups.size() == 1) {
    req["logGroupName"] = input.log_groups[0];
  } else {
    req["logGroupNames"] = input.log_groups;
  }
  req["startTime"] = input.start_time_s;
  req["endTime"] = input.end_time_s;
  req["queryString"] = input.query;
  req["limit"] = input.limit;
  AwsError error;
  Result<json> called =
      client_->call_json(Service::kLogs, "StartQuery", req, &error, /*once_only=*/true);
  if (!called.ok()) {
    if (maybe_started != nullptr) *maybe_started = error.maybe_acted;
    return called.status();
  }
  const json& answer = *called;
  auto it = answer.find("queryId");
  if (it == answer.end() || !it->is_string()) return missing("StartQuery", "queryId");
  return it->get<std::string>();
}

Result<QueryResults> LogsApi::get_query_results(const std::string& query_id) {
  EFSTOP_ASSIGN_OR_RETURN(json answer, client_->call_json(Service::kLogs, "GetQueryResults",
                                                          json{{"queryId", query_id}}));
  return parse_query_results(answer);
}

Result<std::vector<QueryInfo>> LogsApi::describe_queries(const std::string& log_group,
                                                         const std::string& status) {
  json req = json::object();
  req["logGroupName"] = log_group;
  req["status"] = status;
  req["maxResults"] = 1000;
  EFSTOP_ASSIGN_OR_RETURN(json answer, client_->call_json(Service::kLogs, "DescribeQueries", req));
  std::vector<QueryInfo> out;
  const auto list = answer.find("queries");
  if (list == answer.end() || !list->is_array()) return out;
  // Members of the wrong type are read as absent (outside input).
  auto text = [](const json& o, const char* name) {
    const auto it = o.find(name);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const json& q : *list) {
    if (!q.is_object()) continue;
    QueryInfo info;
    info.id = text(q, "queryId");
    info.query_string = text(q, "queryString");
    info.status = text(q, "status");
    info.log_group = text(q, "logGroupName");
    const auto created = q.find("createTime");
    if (created != q.end() && created->is_number_integer()) {
      info.create_time_ms = created->get<int64_t>();
    }
    if (!info.id.empty()) out.push_back(std::move(info));
  }
  return out;
}

Result<bool> LogsApi::stop_query(const std::string& query_id) {
  EFSTOP_ASSIGN_OR_RETURN(
      json answer, client_->call_json(Service::kLogs, "StopQuery", json{{"queryId", query_id}}));
  auto it = answer.find("success");
  return it != answer.end() && it->is_boolean() && it->get<bool>();
}

Result<FilterLogEventsPage> LogsApi::filter_log_events(const FilterLogEventsInput& input) {
  EFSTOP_ASSIGN_OR_RETURN(json req, filter_log_events_request(input));
  EFSTOP_ASSIGN_OR_RETURN(json answer, client_->call_json(Service::kLogs, "FilterLogEvents", req));
  return parse_filter_log_events(answer);
}

Result<std::vector<LogGroupInfo>> LogsApi::describe_log_groups(const std::string& prefix,
                                                               AwsError* error) {
  std::vector<LogGroupInfo> out;
  auto fetch = [&](const std::string& token) -> Result<std::string> {
    json req = json::object();
    if (!prefix.empty()) req["logGroupNamePrefix"] = prefix;
    if (!token.empty()) req["nextToken"] = token;
    EFSTOP_ASSIGN_OR_RETURN(json answer,
                            client_->call_json(Service::kLogs, "DescribeLogGroups", req, error));
    // Members of the wrong type are left empty, as if absent (the answer is
    // outside input: a type error must not end the process).
    auto text = [](const json& o, const char* name) {
      const auto it = o.find(name);
      return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto integer = [](const json& o, const char* name) {
      const auto it = o.find(name);
      return it != o.end() && it->is_number_integer() ? it->get<int64_t>() : int64_t{0};
    };
    if (!answer.is_object()) return parse_error("describe-log-groups: the answer is not an object");
    if (auto it = answer.find("logGroups"); it != answer.end() && it->is_array()) {
      for (const json& g : *it) {
        if (!g.is_object()) continue;
        LogGroupInfo info;
        info.name = text(g, "logGroupName");
        info.arn = text(g, "arn");
        info.stored_bytes = integer(g, "storedBytes");
        info.creation_time_ms = integer(g, "creationTime");
        if (auto r = g.find("retentionInDays"); r != g.end() && r->is_number_integer()) {
          info.retention_days = r->get<int>();
        }
        out.push_back(std::move(info));
      }
    }
    return text(answer, "nextToken");
  };
  EFSTOP_RETURN_IF_ERROR(paginate("describe-log-groups " + client_->region(), fetch).status());
  return out;
}

}  // namespace efstop::aws
