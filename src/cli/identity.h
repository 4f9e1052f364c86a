// Who AWS thinks we are, and where every setting of the session came from:
// what `efstop whoami` prints and `efstop doctor` opens with.
//
//   EFSTOP_ASSIGN_OR_RETURN(SessionReport rep, describe_session(session));
//   print_session_table(rep, out);        // or session_json(rep)
//
// The secret key and session token are never part of a report; the access
// key id is masked (mask_access_key). Not thread-safe (CLI setup).
#ifndef EFSTOP_CLI_IDENTITY_H_
#define EFSTOP_CLI_IDENTITY_H_

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "cli/aws_flags.h"
#include "core/result.h"

namespace efstop::cli {

struct SessionReport {
  std::string account, arn, user_id;
  std::string region, region_source;
  std::string profile, profile_source;
  std::string access_key;         // masked
  std::string credential_source;  // "environment", "assume-role", ...
  std::string credential_detail;
  std::string expiration;                     // ISO 8601, "" when the credentials do not expire
  std::string endpoint_url, endpoint_source;  // STS's
};

// Fetches the credentials (the chain runs here) and calls STS
// GetCallerIdentity. Errors: the chain's, or the call's (kAuth...).
Result<SessionReport> describe_session(AwsSession& session);

// whoami's JSON object: UserId, Account, Arn, Region, Profile, Credentials,
// Endpoint (docs/cli.md).
nlohmann::json session_json(const SessionReport& report);

// The aligned "Account  111122223333" lines.
void print_session_table(const SessionReport& report, std::ostream& out);

// `s` with control characters shown as '?' (values may come from tags or
// files anyone can write).
std::string printable(std::string_view s);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_IDENTITY_H_
