#include "aws/org_api.h"

#include <algorithm>

#include "aws/endpoints.h"
#include "aws/paginate.h"
#include "aws/xml_util.h"

namespace efstop::aws {

Result<std::vector<std::string>> describe_enabled_regions(AwsClient* client) {
  QueryParams params = {{"AllRegions", "false"}};
  EFSTOP_ASSIGN_OR_RETURN(XmlDocument doc,
                          client->call_query(Service::kEc2, "DescribeRegions", params));
  std::vector<std::string> out;
  for (const pugi::xml_node& item : xml_children(xml_child(doc.root(), "regionInfo"), "item")) {
    // AllRegions=false already leaves out the regions not opted in; the
    // status check keeps that true of an answer that lists them anyway.
    const std::string status = xml_child_text(item, "optInStatus");
    if (status == "not-opted-in") continue;
    std::string name = xml_child_text(item, "regionName");
    if (!name.empty()) out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.empty()) {
    return parse_error("describe-regions " + client->region() +
                       ": the answer names no enabled region");
  }
  return out;
}

Result<std::vector<OrgAccount>> list_organization_accounts(AwsClient* client) {
  // Signed for the partition's Organizations region (endpoints.cc), which
  // is also the region a custom endpoint is asked in.
  const std::string home =
      std::string(partition_of(client->region())) == "aws-us-gov" ? "us-gov-west-1"
      : std::string(partition_of(client->region())) == "aws-cn"   ? "cn-northwest-1"
                                                                  : "us-east-1";
  const ServiceInfo& info = service_info(Service::kOrganizations);
  std::vector<OrgAccount> out;
  auto fetch = [&](const std::string& token) -> Result<std::string> {
    nlohmann::json input = nlohmann::json::object();
    input["MaxResults"] = 20;  // the API's maximum
    if (!token.empty()) input["NextToken"] = token;
    AwsRequest request;
    request.service = Service::kOrganizations;
    request.operation = "ListAccounts";
    request.region = home;
    request.body = input.dump();
    request.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
    request.headers.emplace_back("X-Amz-Target", std::string(info.target_prefix) + ".ListAccounts");
    EFSTOP_ASSIGN_OR_RETURN(HttpResponse response, client->send(request));
    nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      return parse_error("list-accounts " + home + ": answer is not a JSON object");
    }
    const auto accounts = doc.find("Accounts");
    if (accounts != doc.end() && accounts->is_array()) {
      for (const nlohmann::json& a : *accounts) {
        if (!a.is_object()) continue;
        OrgAccount acc;
        if (auto v = a.find("Id"); v != a.end() && v->is_string()) acc.id = *v;
        if (auto v = a.find("Name"); v != a.end() && v->is_string()) acc.name = *v;
        if (auto v = a.find("Status"); v != a.end() && v->is_string()) acc.status = *v;
        if (acc.id.empty()) {
          return parse_error("list-accounts " + home + ": an account without an Id");
        }
        out.push_back(std::move(acc));
      }
    }
    const auto next = doc.find("NextToken");
    return next != doc.end() && next->is_string() ? next->get<std::string>() : std::string();
  };
  EFSTOP_RETURN_IF_ERROR(paginate("list-accounts " + home, fetch).status());
  return out;
}

}  // namespace efstop::aws
