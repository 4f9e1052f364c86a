// Typed EFS calls for the inventory: DescribeFileSystems (paginated with
// Marker/NextMarker) and DescribeMountTargets for each file system (EFS has
// no account-wide mount-target listing), run in parallel, each paginated.
//
// A DescribeMountTargets failure for one file system does not lose the
// others: it is reported per file system.
//
// Thread-safety: an EfsApi may be used from several threads; it does not own
// the AwsClient, which must outlive it.
#ifndef EFSTOP_AWS_EFS_API_H_
#define EFSTOP_AWS_EFS_API_H_

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "aws/client.h"
#include "core/result.h"

namespace efstop::aws {

struct FileSystem {
  std::string id;
  std::string name;  // the Name tag (the API's Name member); empty when untagged
  std::string arn;
  std::string owner_id;
  std::string lifecycle_state;
  // One Zone file systems only.
  std::string availability_zone_name;
  std::string availability_zone_id;
  // "bursting", "provisioned" or "elastic" (empty when the answer had none);
  // provisioned_mibps only for provisioned (nullopt otherwise).
  std::string throughput_mode;
  std::optional<double> provisioned_mibps;
  bool is_one_zone() const {
    return !availability_zone_name.empty() || !availability_zone_id.empty();
  }
};

struct MountTarget {
  std::string id;
  std::string file_system_id;
  std::string ip;
  std::string ipv6;
  std::string eni_id;
  std::string subnet_id;
  std::string availability_zone_name;
  std::string availability_zone_id;
  std::string vpc_id;
  std::string owner_id;
  std::string lifecycle_state;
};

struct MountTargetFailure {
  std::string file_system_id;
  Status status;
};

struct EfsInventory {
  std::vector<FileSystem> file_systems;
  std::vector<MountTarget> mount_targets;
  std::vector<MountTargetFailure> failures;  // DescribeMountTargets per file system
};

class EfsApi {
 public:
  explicit EfsApi(AwsClient* client, int parallelism = 8);

  // Every file system of the region. Errors: the client's (kAuth naming
  // elasticfilesystem:DescribeFileSystems when denied...).
  Result<std::vector<FileSystem>> describe_file_systems();
  // Mount targets of one file system.
  Result<std::vector<MountTarget>> describe_mount_targets(const std::string& file_system_id);
  // File systems, then their mount targets in parallel. Fails only when
  // DescribeFileSystems does; per-file-system failures are in `failures`.
  Result<EfsInventory> describe_inventory();

  int64_t file_system_calls() const { return fs_calls_.load(); }
  int64_t mount_target_calls() const { return mt_calls_.load(); }

 private:
  AwsClient* client_;
  int parallelism_;
  std::atomic<int64_t> fs_calls_{0};
  std::atomic<int64_t> mt_calls_{0};
};

// Parse one page of each answer (exposed for tests). Unknown members are
// ignored; a member of the wrong type is a kParse error.
Result<std::vector<FileSystem>> parse_file_systems(const nlohmann::json& page);
Result<std::vector<MountTarget>> parse_mount_targets(const nlohmann::json& page);

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_EFS_API_H_
