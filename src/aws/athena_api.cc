#include "aws/athena_api.h"

namespace efstop::aws {

namespace {

using nlohmann::json;

std::string string_member(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<AthenaExecution> parse_athena_execution(const json& answer) {
  auto qe = answer.is_object() ? answer.find("QueryExecution") : answer.end();
  if (!answer.is_object() || qe == answer.end() || !qe->is_object()) {
    return parse_error("get-query-execution: answer has no QueryExecution");
  }
  AthenaExecution out;
  auto status = qe->find("Status");
  if (status == qe->end() || !status->is_object()) {
    return parse_error("get-query-execution: answer has no Status");
  }
  out.state = string_member(*status, "State");
  if (out.state.empty()) return parse_error("get-query-execution: answer has no Status.State");
  out.reason = string_member(*status, "StateChangeReason");
  if (auto err = status->find("AthenaError");
      out.reason.empty() && err != status->end() && err->is_object()) {
    out.reason = string_member(*err, "ErrorMessage");
  }
  if (auto st = qe->find("Statistics"); st != qe->end() && st->is_object()) {
    auto scanned = st->find("DataScannedInBytes");
    if (scanned != st->end() && scanned->is_number_integer()) {
      out.data_scanned_bytes = scanned->get<int64_t>();
    }
  }
  return out;
}

Result<AthenaResultPage> parse_athena_results(const json& answer) {
  auto rs = answer.is_object() ? answer.find("ResultSet") : answer.end();
  if (!answer.is_object() || rs == answer.end() || !rs->is_object()) {
    return parse_error("get-query-results: answer has no ResultSet");
  }
  AthenaResultPage page;
  page.next_token = string_member(answer, "NextToken");
  auto rows = rs->find("Rows");
  if (rows == rs->end()) return page;
  if (!rows->is_array()) return parse_error("get-query-results: ResultSet.Rows is not a list");
  for (const json& row : *rows) {
    auto data = row.is_object() ? row.find("Data") : row.end();
    if (!row.is_object() || data == row.end() || !data->is_array()) {
      return parse_error("get-query-results: a row has no Data list");
    }
    std::vector<std::optional<std::string>> cells;
    for (const json& d : *data) {
      auto v = d.is_object() ? d.find("VarCharValue") : d.end();
      if (d.is_object() && v != d.end() && v->is_string()) {
        cells.emplace_back(v->get<std::string>());
      } else {
        cells.emplace_back(std::nullopt);
      }
    }
    page.rows.push_back(std::move(cells));
  }
  return page;
}

Result<std::string> AthenaApi::start_query(const AthenaQueryRequest& request) {
  json input = {{"QueryString", request.sql}};
  if (!request.database.empty()) input["QueryExecutionContext"] = {{"Database", request.database}};
  if (!request.workgroup.empty()) input["WorkGroup"] = request.workgroup;
  if (!request.output.empty()) input["ResultConfiguration"] = {{"OutputLocation", request.output}};
  EFSTOP_ASSIGN_OR_RETURN(json answer,
                          client_->call_json(Service::kAthena, "StartQueryExecution", input));
  std::string id = answer.is_object() ? string_member(answer, "QueryExecutionId") : "";
  if (id.empty()) return parse_error("start-query-execution: answer has no QueryExecutionId");
  return id;
}

Result<AthenaExecution> AthenaApi::get_query_execution(const std::string& id) {
  EFSTOP_ASSIGN_OR_RETURN(json answer, client_->call_json(Service::kAthena, "GetQueryExecution",
                                                          json{{"QueryExecutionId", id}}));
  return parse_athena_execution(answer);
}

Result<AthenaResultPage> AthenaApi::get_query_results(const std::string& id,
                                                      const std::string& token, int max_results) {
  json input = {{"QueryExecutionId", id}, {"MaxResults", max_results}};
  if (!token.empty()) input["NextToken"] = token;
  EFSTOP_ASSIGN_OR_RETURN(json answer,
                          client_->call_json(Service::kAthena, "GetQueryResults", input));
  return parse_athena_results(answer);
}

Status AthenaApi::stop_query(const std::string& id) {
  Result<json> answer =
      client_->call_json(Service::kAthena, "StopQueryExecution", json{{"QueryExecutionId", id}});
  return answer.ok() ? Status() : answer.status();
}

Result<std::string> AthenaApi::workgroup_output(const std::string& workgroup) {
  EFSTOP_ASSIGN_OR_RETURN(json answer, client_->call_json(Service::kAthena, "GetWorkGroup",
                                                          json{{"WorkGroup", workgroup}}));
  auto wg = answer.is_object() ? answer.find("WorkGroup") : answer.end();
  if (!answer.is_object() || wg == answer.end() || !wg->is_object()) {
    return parse_error("get-work-group " + workgroup + ": answer has no WorkGroup");
  }
  auto conf = wg->find("Configuration");
  if (conf == wg->end() || !conf->is_object()) return std::string();
  auto rc = conf->find("ResultConfiguration");
  if (rc == conf->end() || !rc->is_object()) return std::string();
  return string_member(*rc, "OutputLocation");
}

}  // namespace efstop::aws
