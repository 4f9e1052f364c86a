#include "cli/identity.h"

#include <iomanip>

#include "aws/service.h"

namespace efstop::cli {

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  return out;
}

Result<SessionReport> describe_session(AwsSession& session) {
  EFSTOP_ASSIGN_OR_RETURN(aws::Credentials creds, session.credentials.provider->get());
  EFSTOP_ASSIGN_OR_RETURN(aws::XmlDocument doc,
                          session.client->call_query(aws::Service::kSts, "GetCallerIdentity", {}));
  pugi::xml_node result = aws::xml_child(doc.root(), "GetCallerIdentityResult");
  SessionReport r;
  r.account = aws::xml_child_text(result, "Account");
  r.arn = aws::xml_child_text(result, "Arn");
  r.user_id = aws::xml_child_text(result, "UserId");
  if (r.account.empty() || r.arn.empty()) {
    return parse_error("get-caller-identity " + session.client->region() +
                       ": answer has no Account/Arn");
  }
  r.region = session.region.region;
  r.region_source = session.region.source;
  r.profile = session.profile.name;
  r.profile_source = session.profile.origin;
  r.access_key = mask_access_key(creds.access_key_id);
  r.credential_source = creds.source;
  r.credential_detail = creds.source_detail;
  r.expiration = creds.expiration ? aws::format_iso8601(*creds.expiration) : "";
  auto endpoint = aws::resolve_endpoint(aws::Service::kSts, session.region.region,
                                        session.client_config.endpoints);
  if (endpoint.ok()) {
    r.endpoint_url = endpoint->url;
    r.endpoint_source = endpoint->source;
  }
  return r;
}

nlohmann::json session_json(const SessionReport& r) {
  return {
      {"UserId", r.user_id},
      {"Account", r.account},
      {"Arn", r.arn},
      {"Region", {{"Name", r.region}, {"Source", r.region_source}}},
      {"Profile", {{"Name", r.profile}, {"Source", r.profile_source}}},
      {"Credentials",
       {{"AccessKey", r.access_key},
        {"Source", r.credential_source},
        {"Detail", r.credential_detail},
        {"Expiration",
         r.expiration.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.expiration)}}},
      {"Endpoint", {{"Url", r.endpoint_url}, {"Source", r.endpoint_source}}},
  };
}

void print_session_table(const SessionReport& r, std::ostream& out) {
  auto row = [&](std::string_view name, const std::string& value, const std::string& source) {
    out << std::left << std::setw(13) << name << printable(value);
    if (!source.empty()) out << "  (" << printable(source) << ")";
    out << '\n';
  };
  const std::string cred_source =
      r.credential_source + (r.credential_detail.empty() ? "" : ": " + r.credential_detail);
  row("Account", r.account, "");
  row("Arn", r.arn, "");
  row("UserId", r.user_id, "");
  row("Region", r.region, r.region_source);
  row("Profile", r.profile, r.profile_source);
  row("Access key", r.access_key, cred_source);
  if (!r.expiration.empty()) row("Expires", r.expiration, "");
  row("STS endpoint", r.endpoint_url, r.endpoint_source);
}

}  // namespace efstop::cli
