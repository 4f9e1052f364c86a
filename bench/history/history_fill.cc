// Fills a store with DAYS days of hourly collections for PAIRS client/server
// pairs, through HistoryStore::store_collection (the write `efstop collect`
// makes, with the names of every address), one collection per hour, for
// bench/history/run.sh.
//
// usage: history_fill DIR DAYS PAIRS END_UNIX_SECONDS
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "store/history_store.h"
#include "store/name_store.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: history_fill DIR DAYS PAIRS END_UNIX_SECONDS\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int64_t days = std::atoll(argv[2]);
  const int64_t pairs = std::atoll(argv[3]);
  const int64_t end = std::atoll(argv[4]) / 3600 * 3600;
  if (auto s = efstop::store::prepare_store_dir(dir); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  efstop::store::StoreOptions options;
  options.path = dir + "/" + std::string(efstop::store::kStoreFileName);
  auto store = efstop::store::HistoryStore::open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().message().c_str());
    return 1;
  }
  // 5,000 pairs: clients 10.1.x.y against 20 mount targets, realistic sizes
  // (bytes up to a few GB an hour, packets and flows to match).
  std::vector<std::pair<std::string, std::string>> ends;
  for (int64_t i = 0; i < pairs; ++i) {
    ends.emplace_back("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250),
                      "10.0." + std::to_string(i % 20) + ".50");
  }
  // The names a named collect stores: the same every hour (so one
  // collected_name row per address, widened by each collection).
  std::vector<efstop::store::CollectedName> names;
  for (const auto& [client, server] : ends) {
    names.push_back(
        {client, "job-" + client, "ec2-instance", "i-" + client, "eu-west-1a", "111122223333"});
  }
  for (int64_t i = 0; i < 20 && i < pairs; ++i) {
    names.push_back({ends[i].second, "home", "efs-mount-target", "fs-0123456789abcdef0",
                     "eu-west-1b", "111122223333"});
  }
  std::mt19937_64 rng(14);
  std::uniform_int_distribution<int64_t> bytes(1000, int64_t{4} << 30);
  for (int64_t b = end - days * 86400; b < end; b += 3600) {
    std::vector<efstop::store::BucketTotals> rows;
    rows.reserve(ends.size());
    for (const auto& [client, server] : ends) {
      efstop::store::BucketTotals r;
      r.bucket_start = b;
      r.client = client;
      r.server = server;
      r.bytes_read = bytes(rng);
      r.bytes_written = bytes(rng) / 4;
      r.packets = (r.bytes_read + r.bytes_written) / 8000;
      r.flows = 1 + static_cast<int64_t>(rng() % 200);
      rows.push_back(std::move(r));
    }
    efstop::store::Collection c{0, b, b + 3600, 3600, b + 3600 + 900, "bench", "ok", ""};
    auto id = (*store)->store_collection(c, rows, names);
    if (!id.ok()) {
      std::fprintf(stderr, "%s\n", id.status().message().c_str());
      return 1;
    }
  }
  return 0;
}
