// Flow-log formats: the field names of VPC Flow Logs versions 2 to 8 and the
// later ones AWS has added, and the column layout of one log (a LogFormat).
//
// A layout comes from, in order of precedence: a DescribeFlowLogs LogFormat
// string ("${version} ${srcaddr} ..."), the header line of an S3 text file
// ("version srcaddr ..."), or the default version-2 layout. Unknown field
// names are kept as ignored columns, so logs from newer versions still parse.
// All functions here are pure and thread-safe; LogFormat is a value type.
#ifndef EFSTOP_FLOWLOG_FORMAT_H_
#define EFSTOP_FLOWLOG_FORMAT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace efstop::flowlog {

// Every known field. kIgnored marks a column whose name efstop does not know.
enum class FieldId : uint8_t {
  kIgnored = 0,
  // version 2 (the default format, in default order)
  kVersion,
  kAccountId,
  kInterfaceId,
  kSrcAddr,
  kDstAddr,
  kSrcPort,
  kDstPort,
  kProtocol,
  kPackets,
  kBytes,
  kStart,
  kEnd,
  kAction,
  kLogStatus,
  // version 3
  kVpcId,
  kSubnetId,
  kInstanceId,
  kTcpFlags,
  kType,
  kPktSrcAddr,
  kPktDstAddr,
  // version 4
  kRegion,
  kAzId,
  kSublocationType,
  kSublocationId,
  // version 5
  kPktSrcAwsService,
  kPktDstAwsService,
  kFlowDirection,
  kTrafficPath,
  // version 7 (ECS)
  kEcsClusterArn,
  kEcsClusterName,
  kEcsContainerInstanceArn,
  kEcsContainerInstanceId,
  kEcsContainerId,
  kEcsSecondContainerId,
  kEcsServiceName,
  kEcsTaskDefinitionArn,
  kEcsTaskArn,
  kEcsTaskId,
  // version 8
  kRejectReason,
  // later versions (10, 11)
  kResourceId,
  kEncryptionStatus,
  kInterfaceType,
  kNextHopInterfaceId,
  kNextHopSubnetId,
  kNextHopAzId,
  kNextHopVpcId,
  kNextHopInterfaceType,
  kInstanceTag,
  kInterfaceTag,
  kCount_,  // number of ids; not a field
};

inline constexpr size_t kFieldCount = static_cast<size_t>(FieldId::kCount_);

// The field's AWS name ("srcaddr"); "" for kIgnored.
std::string_view field_name(FieldId id);
// The known field called `name`, or nullopt.
std::optional<FieldId> field_from_name(std::string_view name);
// The flow-log version that introduced the field (2..11); 0 for kIgnored.
int field_version(FieldId id);

// The columns of one log, left to right. Built once per file; the parser
// resolves column -> field through it once, never per line.
class LogFormat {
 public:
  LogFormat() = default;
  // Columns named by `names` (known or not). Use the parse functions below
  // for text input; this constructor does not validate.
  explicit LogFormat(std::vector<std::string> names);

  // The default version-2 layout: version account-id interface-id srcaddr
  // dstaddr srcport dstport protocol packets bytes start end action log-status.
  static const LogFormat& default_v2();

  size_t column_count() const { return names_.size(); }
  FieldId column_field(size_t column) const { return fields_[column]; }
  const std::string& column_name(size_t column) const { return names_[column]; }
  // The column holding `id`, or -1 when the format lacks it.
  int column_of(FieldId id) const { return column_of_[static_cast<size_t>(id)]; }
  bool has(FieldId id) const { return column_of(id) >= 0; }
  bool has_interface_id() const { return has(FieldId::kInterfaceId); }
  bool has_start() const { return has(FieldId::kStart); }

  // "${version} ${account-id} ..." (the LogFormat spelling).
  std::string to_log_format_string() const;
  // "version account-id ..." (the header-line spelling).
  std::string to_header_string() const;

  friend bool operator==(const LogFormat& a, const LogFormat& b) { return a.names_ == b.names_; }

 private:
  std::vector<std::string> names_;
  std::vector<FieldId> fields_;
  std::array<int, kFieldCount> column_of_{};
};

// Parses a DescribeFlowLogs LogFormat string: `${name}` tokens separated by
// spaces/tabs. For convenience a plain header-style list ("version srcaddr
// ...") is accepted too. Errors (kInvalidArgument): empty string, a token
// that is not `${name}` (with a hint for Terraform's `$${name}`), a name with
// characters other than [a-z0-9-], or a field named twice.
Result<LogFormat> parse_log_format(std::string_view text);

// Returns the format a header line declares when `line`'s first token is a
// known field name (the contract's header test), else nullopt (the line is a
// record). A header that names a field twice is not a header.
// Tolerates CR/LF, runs of spaces and tabs.
std::optional<LogFormat> parse_header_line(std::string_view line);

// True when the first whitespace-separated token of `line` is a known field
// name. Cheap: used on lines to skip headers in the middle of a stream.
bool looks_like_header(std::string_view line);

}  // namespace efstop::flowlog

#endif  // EFSTOP_FLOWLOG_FORMAT_H_
