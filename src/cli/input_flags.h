// The flow-log input options that `efstop top` and `efstop collect` share:
// the engine's input flags (--log-format, --server-ips, --threads), and the
// rule that a local SOURCE and the cloud flags (cli/cloud_flags.h) exclude
// each other. Both commands register the same flags through this file, so
// `collect` reads every source `top` reads: local files, stdin, a log group
// (Logs Insights or raw events), an S3 prefix, or the flow logs discovery
// finds from --profile/--region alone.
// Not thread-safe (CLI setup).
#ifndef EFSTOP_CLI_INPUT_FLAGS_H_
#define EFSTOP_CLI_INPUT_FLAGS_H_

#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/cloud_flags.h"
#include "core/status.h"
#include "flowlog/engine.h"

namespace efstop::cli {

// Registers --log-format, --server-ips and --threads in `group`; they set
// `engine`.
void add_input_flags(OptionGroup* group, flowlog::EngineOptions* engine);

// kInvalidArgument when local SOURCEs and cloud flags are both given (the
// message says which to drop); OK otherwise.
Status check_input_choice(const std::vector<std::string>& sources, const CloudFlags& cloud);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_INPUT_FLAGS_H_
