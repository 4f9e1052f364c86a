#include "aws/region.h"

namespace efstop::aws {

bool is_valid_region_name(std::string_view region) {
  if (region.empty() || region.size() > 64) return false;
  if (region[0] < 'a' || region[0] > 'z') return false;
  for (char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Result<ResolvedRegion> resolve_region(const RegionOptions& options) {
  auto accept = [](std::string value, std::string source) -> Result<ResolvedRegion> {
    if (!is_valid_region_name(value)) {
      return invalid_argument_error("region '" + value.substr(0, 64) + "' from " + source +
                                    " is not a region name (e.g. us-east-1)");
    }
    return ResolvedRegion{std::move(value), std::move(source)};
  };
  if (!options.cli_region.empty()) return accept(options.cli_region, "--region");
  if (std::optional<std::string> r = options.env.get_nonempty("AWS_REGION")) {
    return accept(*r, "AWS_REGION");
  }
  if (std::optional<std::string> r = options.env.get_nonempty("AWS_DEFAULT_REGION")) {
    return accept(*r, "AWS_DEFAULT_REGION");
  }
  const ConfigSection* profile =
      options.config ? options.config->profile(options.profile) : nullptr;
  if (profile != nullptr) {
    if (const ConfigValue* v = profile->find("region"); v != nullptr && !v->value.empty()) {
      return accept(v->value, "profile " + options.profile + " (" + profile->where("region") + ")");
    }
  }
  std::string imds_note;
  if (options.imds) {
    Result<std::string> r = options.imds->get("/latest/meta-data/placement/region");
    if (r.ok()) {
      std::string region = *r;
      while (!region.empty() &&
             (region.back() == '\n' || region.back() == '\r' || region.back() == ' ')) {
        region.pop_back();
      }
      return accept(region, "EC2 instance metadata");
    }
    if (r.status().code() == StatusCode::kIo) {
      // IMDS could not be asked at all (this process is out of descriptors
      // or memory): no evidence that this is not EC2, so the cause is said
      // as itself, not as "no region".
      return io_error(
          "find region: none of --region, AWS_REGION, AWS_DEFAULT_REGION or the region of "
          "profile '" +
          options.profile + "' is set, and " + r.status().message());
    }
    imds_note = "; instance metadata: " + r.status().message();
  }
  return not_found_error(
      "no region: none of --region, AWS_REGION, AWS_DEFAULT_REGION or the region of profile '" +
      options.profile + "'" +
      (options.config ? " in " + options.config->config_path() : std::string()) + " is set" +
      imds_note + "; pass --region, export AWS_REGION, or run 'aws configure set region REGION" +
      (options.profile == "default" ? std::string() : " --profile " + options.profile) + "'");
}

}  // namespace efstop::aws
