// `efstop top --from-store`: the pairs of the collected history
// (store/history_store.h), the hour-of-day / day-of-week profile (--by) and
// the OpenMetrics text of the latest collection. docs/history.md.
//
// Not thread-safe; one command at a time.
#ifndef EFSTOP_CLI_HISTORY_REPORT_H_
#define EFSTOP_CLI_HISTORY_REPORT_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"
#include "report/model.h"
#include "report/writer.h"
#include "store/history_store.h"

namespace efstop::cli {

enum class ProfileBy { kHourOfDay, kDayOfWeek };

// Bytes per slot (24 hours of the UTC day, or 7 UTC days, Monday first).
struct Profile {
  std::vector<int64_t> read;
  std::vector<int64_t> written;
};

// The slot of the bucket that starts at `t` (Unix seconds).
int profile_slot(ProfileBy by, int64_t t);
int profile_slots(ProfileBy by);

// The pairs of the store's buckets with bucket_start in [from, to), one
// row per (client, server) with the sums of its buckets; first_seen is its
// first bucket's start, last_seen its last bucket's end. With `by`, each
// row's profile (same order as the rows) is filled too. With series_s > 0
// (a multiple of bucket_s), each row's series holds its bytes per UTC
// bucket of series_s: a stored bucket goes wholly into the series bucket
// its start lies in.
// `dense_budget` bounds the memory for the series of the rows that are in
// the window's first stored bucket while reading (cells of 16 bytes from
// that bucket to the window's end, per row); rows past it, and rows that
// first come later, grow a vector each. The result does not depend on it
// (tests pass a small one).
struct StorePairs {
  std::vector<report::Row> rows;
  std::vector<Profile> profiles;
  int64_t buckets = 0;  // bucket rows read
};
inline constexpr size_t kDenseSeriesBudget = size_t{256} << 20;
Result<StorePairs> read_store_pairs(store::HistoryStore& history, int64_t from, int64_t to,
                                    int64_t bucket_s, std::optional<ProfileBy> by,
                                    int64_t series_s = 0, size_t dense_budget = kDenseSeriesBudget);

// The profile of each report row: the sum of the profiles of the pairs
// whose client address is among the row's client addresses and whose server
// address is among its server addresses (an end the row does not have
// matches any). A pair counts in the first row it matches.
std::vector<Profile> fold_profiles(const std::vector<report::Row>& rows, const StorePairs& pairs,
                                   ProfileBy by);

// The peak rule (docs/history.md): for the direction with more bytes
// (written on a tie), the shortest run of consecutive slots, wrapping
// around, whose bytes are at least 80 % of the direction's; among runs of
// that length the one with the most bytes, then the earliest start. nullopt
// when the direction has no bytes or the run is longer than half the slots.
struct Peak {
  bool written = true;
  int start = 0;   // first slot
  int length = 0;  // slots
  int64_t bytes = 0;
  int64_t direction_total = 0;
};
std::optional<Peak> find_peak(const Profile& profile);
// "writes 83 % of its written bytes between 01:00 and 03:00 UTC" (the
// percentage rounded down, so it never says more than the data).
std::string peak_sentence(const Peak& peak, ProfileBy by);

// Writes the profile report: table, tsv, csv, json or ndjson (html is
// refused earlier). docs/history.md describes each form.
void write_profile(const report::Report& rep, const std::vector<Profile>& profiles, ProfileBy by,
                   report::OutputFormat format, std::ostream& out);

// OpenMetrics text (gauges: bytes read and written per row of the latest
// collection's window, then the window's bounds), ending in "# EOF".
void write_openmetrics(const report::Report& rep, const store::Collection& collection,
                       std::ostream& out);

}  // namespace efstop::cli

#endif  // EFSTOP_CLI_HISTORY_REPORT_H_
