// STS AssumeRole (role_arn + source_profile / credential_source) and
// AssumeRoleWithWebIdentity (EKS IRSA and other OIDC federations).
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

#include "aws/credential_network.h"
#include "aws/xml_util.h"
#include "core/read_file.h"
#include "core/resource_error.h"

namespace efstop::aws {
namespace {

ClientConfig sts_config(const NetworkContext& ctx) {
  ClientConfig config = ctx.client_config;
  // STS has an endpoint in every region; with none configured the AWS CLI
  // signs for us-east-1, which is where the global endpoint lives.
  if (config.region.empty()) config.region = "us-east-1";
  return config;
}

// Reads <Credentials> of an AssumeRole* answer.
Result<Credentials> credentials_from_sts(const XmlDocument& doc, const std::string& context) {
  pugi::xml_node creds = xml_find(doc.root(), "Credentials");
  if (!creds) return parse_error(context + ": the answer has no <Credentials>");
  Credentials c;
  c.access_key_id = xml_child_text(creds, "AccessKeyId");
  c.secret_access_key = xml_child_text(creds, "SecretAccessKey");
  c.session_token = xml_child_text(creds, "SessionToken");
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.session_token.empty()) {
    return parse_error(context + ": the answer's <Credentials> lacks a key, secret or token");
  }
  Result<std::chrono::system_clock::time_point> exp =
      parse_iso8601(xml_child_text(creds, "Expiration"));
  if (!exp.ok()) return parse_error(context + ": <Expiration>: " + exp.status().message());
  c.expiration = *exp;
  return c;
}

class AssumeRoleProvider : public CredentialsProvider {
 public:
  AssumeRoleProvider(NetworkContext ctx, std::shared_ptr<CredentialsProvider> source,
                     AssumeRoleParams params)
      : params_(std::move(params)),
        client_(sts_config(ctx), std::move(source), ctx.transport, ctx.client_env) {}

  Result<Credentials> get() override {
    const std::string context =
        "assume role " + params_.role_arn + " for profile '" + params_.profile + "'";
    QueryParams query = {{"RoleArn", params_.role_arn}, {"RoleSessionName", params_.session_name}};
    if (!params_.external_id.empty()) query.emplace_back("ExternalId", params_.external_id);
    if (params_.duration_seconds) {
      query.emplace_back("DurationSeconds", std::to_string(*params_.duration_seconds));
    }
    AwsError error;
    Result<XmlDocument> doc = client_.call_query(Service::kSts, "AssumeRole", query, &error);
    if (!doc.ok()) {
      std::string hint;
      if (error.code == "AccessDenied") {
        hint = "; check that the role's trust policy lets the source credentials assume it" +
               std::string(params_.external_id.empty() ? "" : " with this external_id") +
               " and that they may call sts:AssumeRole";
      }
      return Status(doc.status().code(), context + ": " + doc.status().message() + hint);
    }
    EFSTOP_ASSIGN_OR_RETURN(Credentials c, credentials_from_sts(*doc, context));
    c.source = "assume-role";
    c.source_detail = "role " + params_.role_arn + " via profile " + params_.profile;
    return c;
  }

 private:
  const AssumeRoleParams params_;
  AwsClient client_;
};

class WebIdentityProvider : public CredentialsProvider {
 public:
  WebIdentityProvider(NetworkContext ctx, WebIdentityParams params)
      : params_(std::move(params)),
        client_(sts_config(ctx), nullptr, ctx.transport, ctx.client_env) {}

  Result<Credentials> get() override {
    const std::string context =
        "assume role " + params_.role_arn + " with web identity (" + params_.origin + ")";
    std::string token;
    if (const int err = read_file(params_.token_file, &token); err != 0) {
      // A process out of descriptors is told as that, not to check a mount.
      if (const std::optional<std::string_view> shortage = resource_shortage_words(err)) {
        return io_error(context + ": cannot read the token file " + params_.token_file + ": " +
                        std::string(*shortage));
      }
      return auth_error(context + ": cannot read the token file " + params_.token_file + " (" +
                        std::strerror(err) + "); check the path and that the token is mounted");
    }
    while (!token.empty() &&
           (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
      token.pop_back();
    }
    if (token.empty())
      return auth_error(context + ": the token file " + params_.token_file + " is empty");
    QueryParams query = {{"RoleArn", params_.role_arn},
                         {"RoleSessionName", params_.session_name},
                         {"WebIdentityToken", token}};
    Result<XmlDocument> doc =
        client_.call_query_unsigned(Service::kSts, "AssumeRoleWithWebIdentity", query);
    if (!doc.ok()) return Status(doc.status().code(), context + ": " + doc.status().message());
    EFSTOP_ASSIGN_OR_RETURN(Credentials c, credentials_from_sts(*doc, context));
    c.source = "assume-role-with-web-identity";
    c.source_detail = "role " + params_.role_arn + " via " + params_.origin;
    return c;
  }

 private:
  const WebIdentityParams params_;
  AwsClient client_;
};

}  // namespace

std::unique_ptr<CredentialsProvider> make_assume_role_provider(
    NetworkContext ctx, std::shared_ptr<CredentialsProvider> source, AssumeRoleParams params) {
  return std::make_unique<AssumeRoleProvider>(std::move(ctx), std::move(source), std::move(params));
}

std::unique_ptr<CredentialsProvider> make_web_identity_provider(NetworkContext ctx,
                                                                WebIdentityParams params) {
  return std::make_unique<WebIdentityProvider>(std::move(ctx), std::move(params));
}

}  // namespace efstop::aws
