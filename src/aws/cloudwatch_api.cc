#include "aws/cloudwatch_api.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <numeric>

#include "aws/credentials.h"
#include "aws/paginate.h"

namespace efstop::aws {

namespace {

std::string iso(int64_t unix_s) {
  return format_iso8601(std::chrono::system_clock::time_point(std::chrono::seconds(unix_s)));
}

}  // namespace

int metric_queries_per_call(int64_t points_per_query) {
  if (points_per_query < 1) points_per_query = 1;
  const int64_t by_points = kMaxDatapointsPerCall / points_per_query;
  return static_cast<int>(std::clamp<int64_t>(by_points, 1, kMaxMetricQueriesPerCall));
}

QueryParams metric_data_params(const std::vector<MetricQuery>& queries, int64_t start_s,
                               int64_t end_s, const std::string& next_token) {
  QueryParams params;
  for (size_t i = 0; i < queries.size(); ++i) {
    const MetricQuery& q = queries[i];
    const std::string p = "MetricDataQueries.member." + std::to_string(i + 1) + ".";
    params.emplace_back(p + "Id", q.id);
    params.emplace_back(p + "MetricStat.Metric.Namespace", q.namespace_name);
    params.emplace_back(p + "MetricStat.Metric.MetricName", q.metric_name);
    params.emplace_back(p + "MetricStat.Metric.Dimensions.member.1.Name", q.dimension_name);
    params.emplace_back(p + "MetricStat.Metric.Dimensions.member.1.Value", q.dimension_value);
    params.emplace_back(p + "MetricStat.Period", std::to_string(q.period_s));
    params.emplace_back(p + "MetricStat.Stat", q.stat);
    params.emplace_back(p + "ReturnData", "true");
  }
  params.emplace_back("StartTime", iso(start_s));
  params.emplace_back("EndTime", iso(end_s));
  // Oldest first, so pages arrive in time order (the default is descending).
  params.emplace_back("ScanBy", "TimestampAscending");
  if (!next_token.empty()) params.emplace_back("NextToken", next_token);
  return params;
}

Result<MetricDataPage> parse_metric_data_page(const XmlDocument& doc) {
  const pugi::xml_node result = xml_find(doc.root(), "GetMetricDataResult");
  if (!result) return parse_error("get-metric-data: the answer has no GetMetricDataResult");
  MetricDataPage page;
  page.next_token = xml_child_text(result, "NextToken");
  for (const pugi::xml_node& m : xml_children(xml_child(result, "MetricDataResults"), "member")) {
    MetricSeries s;
    s.id = xml_child_text(m, "Id");
    s.label = xml_child_text(m, "Label");
    s.status_code = xml_child_text(m, "StatusCode");
    for (const pugi::xml_node& t : xml_children(xml_child(m, "Timestamps"), "member")) {
      auto tp = parse_iso8601(t.text().as_string());
      if (!tp.ok()) return tp.status().with_context("get-metric-data: timestamp of " + s.id);
      s.timestamps.push_back(
          std::chrono::duration_cast<std::chrono::seconds>(tp->time_since_epoch()).count());
    }
    for (const pugi::xml_node& v : xml_children(xml_child(m, "Values"), "member")) {
      const std::string text = v.text().as_string();
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) {
        return parse_error("get-metric-data: value '" + text + "' of " + s.id + " is not a number");
      }
      s.values.push_back(value);
    }
    if (s.values.size() != s.timestamps.size()) {
      return parse_error("get-metric-data: " + s.id + " has " + std::to_string(s.values.size()) +
                         " values for " + std::to_string(s.timestamps.size()) + " timestamps");
    }
    for (const pugi::xml_node& msg : xml_children(xml_child(m, "Messages"), "member")) {
      s.messages.push_back(xml_child_text(msg, "Code") + ": " + xml_child_text(msg, "Value"));
    }
    page.results.push_back(std::move(s));
  }
  return page;
}

Result<MetricDataAnswer> CloudWatchApi::get_metric_data(const std::vector<MetricQuery>& queries,
                                                        int64_t start_s, int64_t end_s) {
  MetricDataAnswer answer;
  std::map<std::string, size_t> index;
  for (const MetricQuery& q : queries) {
    index[q.id] = answer.series.size();
    MetricSeries s;
    s.id = q.id;
    answer.series.push_back(std::move(s));
  }
  int64_t max_points = 1;
  for (const MetricQuery& q : queries) {
    max_points = std::max<int64_t>(max_points, (end_s - start_s + q.period_s - 1) / q.period_s);
  }
  const size_t per_call = static_cast<size_t>(metric_queries_per_call(max_points));
  const std::string what = "get-metric-data " + client_->region();
  for (size_t first = 0; first < queries.size(); first += per_call) {
    const std::vector<MetricQuery> batch(
        queries.begin() + static_cast<std::ptrdiff_t>(first),
        queries.begin() + static_cast<std::ptrdiff_t>(std::min(queries.size(), first + per_call)));
    auto fetch = [&](const std::string& token) -> Result<std::string> {
      EFSTOP_ASSIGN_OR_RETURN(
          XmlDocument doc, client_->call_query(Service::kCloudWatch, "GetMetricData",
                                               metric_data_params(batch, start_s, end_s, token)));
      ++answer.calls;
      EFSTOP_ASSIGN_OR_RETURN(MetricDataPage page, parse_metric_data_page(doc));
      for (MetricSeries& r : page.results) {
        auto it = index.find(r.id);
        if (it == index.end()) {
          return parse_error(what + ": the answer names a query '" + r.id + "' not asked for");
        }
        MetricSeries& s = answer.series[it->second];
        if (!r.label.empty()) s.label = r.label;
        s.timestamps.insert(s.timestamps.end(), r.timestamps.begin(), r.timestamps.end());
        s.values.insert(s.values.end(), r.values.begin(), r.values.end());
        for (std::string& m : r.messages) {  // a message repeated on every page counts once
          if (std::find(s.messages.begin(), s.messages.end(), m) == s.messages.end()) {
            s.messages.push_back(std::move(m));
          }
        }
        // The last page's status is the query's: PartialData before a
        // NextToken means "more to come"; any failure on any page sticks.
        if (s.status_code != "InternalError" && s.status_code != "Forbidden") {
          s.status_code = r.status_code;
        }
      }
      return page.next_token;
    };
    EFSTOP_RETURN_IF_ERROR(paginate(what, fetch).status());
  }
  for (MetricSeries& s : answer.series) {
    std::vector<size_t> order(s.timestamps.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return s.timestamps[a] < s.timestamps[b]; });
    std::vector<int64_t> ts;
    std::vector<double> vs;
    for (size_t i : order) {
      ts.push_back(s.timestamps[i]);
      vs.push_back(s.values[i]);
    }
    s.timestamps = std::move(ts);
    s.values = std::move(vs);
    // A query no page named: the service did not answer it, which is not zero.
    if (s.status_code.empty()) s.status_code = "NotReturned";
  }
  return answer;
}

}  // namespace efstop::aws
