// --sample SPAN/PERIOD on `efstop top` (docs/flow-counting.md, "Sampling"):
// what the command does with it before counting and after shaping, kept
// here so cmd_top.cc only calls three steps.
#ifndef EFSTOP_CLI_SAMPLE_ARG_H_
#define EFSTOP_CLI_SAMPLE_ARG_H_

#include <cstdint>
#include <optional>

#include "flowlog/engine.h"
#include "flowlog/sample.h"
#include "report/model.h"

namespace efstop::cli {

// Before counting: the engine counts at a width that keeps every bucket
// wholly inside or outside a slice (and divides the --bucket width), and
// leaves records that touch no slice outside the window.
void prepare_sample(const flowlog::SampleSpec& spec, int64_t user_bucket_s,
                    flowlog::EngineOptions* engine);

// After build_report: the rows' and totals' bytes (and cross-AZ bytes)
// become estimates, sampled x period / span rounded half up, the counted
// bytes kept beside them; the slices are those overlapping the window, or
// without one the time the counted records cover. Sorting is unchanged
// (the scaling is strictly increasing). The file systems' Elastic costs
// (worked out over the sampled buckets) are scaled by the same factor,
// the sampled figures kept; coverage and saturation are left as they are.
// Call it once per report, after the file systems are set.
void estimate_from_sample(const flowlog::SampleSpec& spec, const report::Window& window,
                          report::Report* rep);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_SAMPLE_ARG_H_
