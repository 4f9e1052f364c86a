// efstop-flowgen: a deterministic generator of realistic VPC Flow Logs for Amazon EFS traffic.
//
// It feeds the comparison tests (tests/reference), the sample data set (sample/) and the
// whole-process benchmark (bench/whole). The same flags and seed always give byte-identical
// output, so a failing comparison can be reproduced from its command line alone.
//
// The model, in short (details next to the code):
// - clients: EC2-like hosts in a few private subnets over several AZs, one ENI each; a share
//   of them speak IPv6 only; each mounts one or two file systems through the mount target
//   of its AZ, over a long TCP connection from an ephemeral port that is re-opened now and
//   then (a new port).
// - mount targets: one ENI per (file system, AZ), dual-stack (an IPv4 and an IPv6 address).
// - time runs in aggregation windows (--window seconds). Every ENI that logs a connection
//   writes one record per window and direction (request: dstport 2049 = writes; response:
//   srcport 2049 = reads). Each ENI has its own capture-window phase, so the client ENI and
//   the mount-target ENI split the same traffic differently; ENIs with phase 0 are aligned
//   and then log identical counters (the case the no-interface-id overlap rule catches).
// - extras: non-EFS noise (HTTPS, an EC2-hosted NFS server on 2049, UDP 2049, ICMP to mount
//   targets), REJECTed attempts, NODATA/SKIPDATA rows, optional bad lines, rare > 4 GiB records.
//
// Fast enough for the benchmark (10 M records in seconds): one sequential PRNG, records
// rendered with std::to_chars into one buffer, gzip through ISA-L's streaming deflate.

#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace efstop::tools {
namespace {

constexpr std::string_view kUsage = R"(usage: efstop-flowgen [options]

Writes deterministic, realistic VPC Flow Log records of Amazon EFS (NFS, TCP 2049) traffic.
The same options and --seed always give byte-identical output.

Size and shape:
  --records N          total lines to write, bad lines included (default 100000)
  --seed N             PRNG seed (default 1)
  --clients N          EC2 clients (default 200)
  --mount-targets N    mount targets = file systems x AZs, one ENI and IPv4+IPv6 each (default 6)
  --azs N              availability zones (default 3)
  --start TIME         time of the first window: epoch seconds or 2026-11-26T00:00:00Z
                       (default 2026-11-26T00:00:00Z)
  --window SECONDS     aggregation interval, 60 or 600 (default 60)
  --logging MODE       which ENIs log: both | client | server | mixed (default both)
                       both: client and mount-target ENIs (every NFS record twice);
                       client / server: only that side; mixed: some of each
  --ipv6 F             share of clients that mount over IPv6 (default 0.1)
  --aligned F          share of ENIs whose capture windows start on the minute, so that
                       their records of one flow carry identical counters (default 0.5)
  --noise F            non-EFS records per NFS record (default 0.15); includes an EC2 NFS
                       server on TCP 2049, UDP 2049 and ICMP to mount targets
  --reject F           REJECTed connection attempts to mount targets per NFS record (0.005)
  --nodata F           NODATA rows per NFS record (default 0.005)
  --skipdata F         SKIPDATA rows per NFS record (default 0.0005)
  --bad F              malformed lines per NFS record (default 0)
  --huge F             share of NFS records above 4 GiB (default 0.0002)
  --unknown F          chance that each field efstop reads (interface-id, addresses,
                       ports, protocol, packets, bytes, start, end, action) of an OK
                       record is written as '-' (unknown; default 0)

Output:
  --log-format FMT     a DescribeFlowLogs LogFormat string, e.g. '${srcaddr} ${dstaddr} ...'
                       (default: the version-2 format)
  --header             start each file with a header line of field names (as S3 does)
  --gzip               gzip each file (ISA-L); --gzip-level 0-3 (default 1)
  --files N            split into N files of about equal size (default 1)
  --out PATH           output file, or with --files > 1 a directory that receives S3-style
                       names {account}_vpcflowlogs_{region}_fl-..._{YYYYMMDDTHHmmZ}_{hash}.log[.gz]
                       (default: stdout)
  --server-ips-out F   also write the mount-target IPs (IPv4 and IPv6), one per line
  --server-enis-out F  also write the mount targets' ENI ids, one per line
  --account ID         account id in the records (default 123456789012)
  --region NAME        region in the file names and the region field (default us-east-1)
  -h, --help           this text

Examples:
  efstop-flowgen --records 100000 --logging both > flows.log
  efstop-flowgen --records 10000000 --gzip --files 8 --header --out dir/ --server-ips-out mt.txt
)";

// ---- randomness ---------------------------------------------------------------------------

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Sequential PRNG (splitmix64): everything that happens in order draws from one of these.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  int64_t range(int64_t lo, int64_t hi) {  // [lo, hi]
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return uniform() < p; }
  // A count with mean `mean` (integer part plus a Bernoulli draw for the fraction).
  int64_t count(double mean) {
    const double whole = std::floor(mean);
    return static_cast<int64_t>(whole) + (chance(mean - whole) ? 1 : 0);
  }

 private:
  uint64_t state_;
};

// Random access draw for quantities needed out of order (the traffic of window w+1).
double hash_uniform(uint64_t a, uint64_t b, uint64_t c) {
  return static_cast<double>(mix64(a ^ mix64(b ^ mix64(c))) >> 11) * 0x1.0p-53;
}

// ---- the simulated network ----------------------------------------------------------------

struct Eni {
  std::string id;  // eni-<17 hex>
  std::string subnet;
  std::string instance;  // "-" for requester-managed ENIs (mount targets)
  std::string az_id;
  int64_t phase = 0;  // capture-window offset in seconds, 0 <= phase < window
  bool logged = true;
};

struct Host {
  std::string ip4;
  std::string ip6;  // empty when the host has no IPv6 address
  bool use_ip6 = false;
  int az = 0;
  Eni eni;
};

struct Connection {
  int client = 0;
  int mount_target = 0;
  double read_mean = 0;   // payload bytes per minute
  double write_mean = 0;  // payload bytes per minute
  int lifetime = 1;       // windows between reconnects (new ephemeral port)
};

enum class Status { kOk, kNoData, kSkipData };

// One flow-log record before rendering; views point into Host/Eni strings.
struct Record {
  const Eni* eni = nullptr;
  std::string_view src;
  std::string_view dst;
  int sport = 0;
  int dport = 0;
  int protocol = 6;
  int64_t packets = 0;
  int64_t bytes = 0;
  int64_t start = 0;
  int64_t end = 0;
  bool reject = false;
  Status status = Status::kOk;
  int tcp_flags = 0;
  bool egress = true;  // relative to the logging ENI
  bool ip6 = false;
};

enum class Field {
  kVersion,
  kAccountId,
  kInterfaceId,
  kSrcaddr,
  kDstaddr,
  kSrcport,
  kDstport,
  kProtocol,
  kPackets,
  kBytes,
  kStart,
  kEnd,
  kAction,
  kLogStatus,
  kVpcId,
  kSubnetId,
  kInstanceId,
  kTcpFlags,
  kType,
  kPktSrcaddr,
  kPktDstaddr,
  kRegion,
  kAzId,
  kFlowDirection,
  kTrafficPath,
  kOther,  // any other known field: rendered as "-"
};

struct FieldName {
  std::string_view name;
  Field field;
};

constexpr std::array kFieldNames = {
    FieldName{"version", Field::kVersion},
    FieldName{"account-id", Field::kAccountId},
    FieldName{"interface-id", Field::kInterfaceId},
    FieldName{"srcaddr", Field::kSrcaddr},
    FieldName{"dstaddr", Field::kDstaddr},
    FieldName{"srcport", Field::kSrcport},
    FieldName{"dstport", Field::kDstport},
    FieldName{"protocol", Field::kProtocol},
    FieldName{"packets", Field::kPackets},
    FieldName{"bytes", Field::kBytes},
    FieldName{"start", Field::kStart},
    FieldName{"end", Field::kEnd},
    FieldName{"action", Field::kAction},
    FieldName{"log-status", Field::kLogStatus},
    FieldName{"vpc-id", Field::kVpcId},
    FieldName{"subnet-id", Field::kSubnetId},
    FieldName{"instance-id", Field::kInstanceId},
    FieldName{"tcp-flags", Field::kTcpFlags},
    FieldName{"type", Field::kType},
    FieldName{"pkt-srcaddr", Field::kPktSrcaddr},
    FieldName{"pkt-dstaddr", Field::kPktDstaddr},
    FieldName{"region", Field::kRegion},
    FieldName{"az-id", Field::kAzId},
    FieldName{"flow-direction", Field::kFlowDirection},
    FieldName{"traffic-path", Field::kTrafficPath},
};

struct Options {
  int64_t records = 100000;
  uint64_t seed = 1;
  int clients = 200;
  int mount_targets = 6;
  int azs = 3;
  int64_t start = 1795651200;  // 2026-11-26T00:00:00Z
  int window = 60;
  std::string logging = "both";
  double ipv6 = 0.1;
  double aligned = 0.5;
  double noise = 0.15;
  double reject = 0.005;
  double nodata = 0.005;
  double skipdata = 0.0005;
  double bad = 0;
  double unknown = 0;
  double huge = 0.0002;
  std::string log_format;
  bool header = false;
  bool gzip = false;
  int gzip_level = 1;
  int files = 1;
  std::string out = "-";
  std::string server_ips_out;
  std::string server_enis_out;
  std::string account = "123456789012";
  std::string region = "us-east-1";
};

// ---- output sinks -------------------------------------------------------------------------

// Writes bytes to one file (or stdout), optionally through a streaming gzip encoder.
// Not copyable; close() reports the first write error.
class Sink {
 public:
  Sink(const std::string& path, bool gzip, int level) : path_(path), gzip_(gzip) {
    file_ = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) fail("open");
    if (gzip_) {
      isal_deflate_init(&stream_);
      stream_.gzip_flag = IGZIP_GZIP;
      stream_.level = static_cast<uint32_t>(level);
      level_buf_.resize(level == 0   ? 0
                        : level == 1 ? ISAL_DEF_LVL1_DEFAULT
                        : level == 2 ? ISAL_DEF_LVL2_DEFAULT
                                     : ISAL_DEF_LVL3_DEFAULT);
      stream_.level_buf = level_buf_.empty() ? nullptr : level_buf_.data();
      stream_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
      out_.resize(1 << 20);
    }
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  void write(const char* data, size_t size) { deflate(data, size, false); }

  void close() {
    deflate(nullptr, 0, true);
    if (file_ != stdout) {
      if (std::fclose(file_) != 0) fail("close");
    } else if (std::fflush(file_) != 0) {
      fail("write");
    }
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    std::fprintf(stderr, "efstop-flowgen: %s %s: %s\n", what, path_.c_str(), std::strerror(errno));
    std::exit(1);
  }
  void put(const void* data, size_t size) {
    if (size != 0 && std::fwrite(data, 1, size, file_) != size) fail("write");
  }
  void deflate(const char* data, size_t size, bool last) {
    if (!gzip_) {
      put(data, size);
      return;
    }
    stream_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data));
    stream_.avail_in = static_cast<uint32_t>(size);
    stream_.end_of_stream = last ? 1 : 0;
    stream_.flush = NO_FLUSH;
    do {
      stream_.next_out = out_.data();
      stream_.avail_out = static_cast<uint32_t>(out_.size());
      if (isal_deflate(&stream_) != COMP_OK) {
        std::fprintf(stderr, "efstop-flowgen: gzip %s: deflate failed\n", path_.c_str());
        std::exit(1);
      }
      put(out_.data(), out_.size() - stream_.avail_out);
    } while (stream_.avail_in > 0 || stream_.avail_out == 0 ||
             (last && stream_.internal_state.state != ZSTATE_END));
  }

  std::string path_;
  bool gzip_;
  FILE* file_ = nullptr;
  isal_zstream stream_{};
  std::vector<uint8_t> level_buf_;
  std::vector<uint8_t> out_;
};

// ---- the generator ------------------------------------------------------------------------

std::string hex_id(Rng& rng, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < digits; ++i) s += kHex[rng.next() % 16];
  return s;
}

std::string format_utc(int64_t t, const char* fmt) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

class Generator {
 public:
  explicit Generator(const Options& opt)
      : opt_(opt), rng_(opt.seed), first_window_(opt.start / opt.window) {
    parse_format();
    build_network();
  }

  // The mount targets' addresses (IPv4 first, then IPv6) or ENI ids, one per line.
  void write_server_list(const std::string& path, bool enis) const {
    FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "efstop-flowgen: open %s: %s\n", path.c_str(), std::strerror(errno));
      std::exit(1);
    }
    for (const Host& mt : mount_targets_)
      std::fprintf(f, "%s\n", enis ? mt.eni.id.c_str() : mt.ip4.c_str());
    if (!enis)
      for (const Host& mt : mount_targets_) std::fprintf(f, "%s\n", mt.ip6.c_str());
    if (std::fclose(f) != 0) {
      std::fprintf(stderr, "efstop-flowgen: write %s: %s\n", path.c_str(), std::strerror(errno));
      std::exit(1);
    }
  }

  // Generates window after window until opt_.records lines are written.
  void run() {
    const int64_t per_file = (opt_.records + opt_.files - 1) / opt_.files;
    int64_t written = 0;
    std::vector<Record> batch;
    std::vector<std::string> bad_lines;
    for (int64_t w = 0; written < opt_.records; ++w) {
      batch.clear();
      bad_lines.clear();
      make_window(w, batch, bad_lines);
      // Bad lines go in random places of the window's batch.
      std::vector<int64_t> bad_at;
      for (size_t i = 0; i < bad_lines.size(); ++i)
        bad_at.push_back(rng_.range(0, static_cast<int64_t>(batch.size())));
      std::sort(bad_at.begin(), bad_at.end());
      size_t next_bad = 0;
      for (size_t i = 0; i <= batch.size() && written < opt_.records; ++i) {
        while (next_bad < bad_at.size() && bad_at[next_bad] == static_cast<int64_t>(i) &&
               written < opt_.records) {
          begin_line(written, per_file, batch.empty() ? opt_.start : batch[0].start);
          buf_ += bad_lines[next_bad++];
          buf_ += '\n';
          ++written;
        }
        if (i == batch.size() || written >= opt_.records) break;
        begin_line(written, per_file, batch[i].start);
        render(batch[i]);
        ++written;
      }
      flush(false);
    }
    flush(true);
    if (sink_) sink_->close();
  }

 private:
  // ---- format ----
  void parse_format() {
    std::string_view f = opt_.log_format;
    if (f.empty())
      f = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
          "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}";
    size_t pos = 0;
    while ((pos = f.find("${", pos)) != std::string_view::npos) {
      const size_t close = f.find('}', pos);
      if (close == std::string_view::npos) usage_error("--log-format: unterminated ${");
      const std::string_view name = f.substr(pos + 2, close - pos - 2);
      Field field = Field::kOther;
      for (const FieldName& fn : kFieldNames)
        if (fn.name == name) field = fn.field;
      fields_.push_back(field);
      field_names_.emplace_back(name);
      pos = close + 1;
    }
    if (fields_.empty()) usage_error("--log-format: no ${field} in the format");
    version_ = opt_.log_format.empty() ? "2" : "5";
  }

  [[noreturn]] static void usage_error(const std::string& msg) {
    std::fprintf(stderr, "efstop-flowgen: %s\n", msg.c_str());
    std::exit(2);
  }

  // ---- network ----
  static std::string ip6_of(int subnet, int host) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "2600:1f18:4e2a:%x::%x", 0x10 + subnet, host);
    return buf;
  }

  void make_eni(Eni& eni, int az, int subnet, bool requester_managed, bool logged) {
    eni.id = "eni-0" + hex_id(rng_, 16);
    eni.subnet = subnet_ids_[static_cast<size_t>(subnet)];
    eni.instance = requester_managed ? "-" : "i-0" + hex_id(rng_, 16);
    eni.az_id = "use1-az" + std::to_string(az + 1);
    eni.phase = rng_.chance(opt_.aligned) ? 0 : rng_.range(1, opt_.window - 1);
    eni.logged = logged;
  }

  void build_network() {
    vpc_id_ = "vpc-0" + hex_id(rng_, 16);
    flow_log_id_ = "fl-0" + hex_id(rng_, 16);
    // Two subnets per AZ: 10.0.<16*s>.0/20 for clients, the mount targets in the first one.
    for (int s = 0; s < 2 * opt_.azs + 1; ++s) subnet_ids_.push_back("subnet-0" + hex_id(rng_, 16));
    const bool mixed = opt_.logging == "mixed";
    const bool log_clients = opt_.logging == "both" || opt_.logging == "client";
    const bool log_servers = opt_.logging == "both" || opt_.logging == "server";

    for (int m = 0; m < opt_.mount_targets; ++m) {
      Host h;
      h.az = m % opt_.azs;
      const int subnet = 2 * h.az;
      h.ip4 = "10.0." + std::to_string(16 * subnet) + "." + std::to_string(200 + m);
      h.ip6 = ip6_of(subnet, 0xe000 + m);
      make_eni(h.eni, h.az, subnet, true, mixed ? m % 3 != 2 : log_servers);
      mount_targets_.push_back(std::move(h));
    }
    const int file_systems = std::max(1, opt_.mount_targets / opt_.azs);
    for (int c = 0; c < opt_.clients; ++c) {
      Host h;
      h.az = static_cast<int>(rng_.range(0, opt_.azs - 1));
      const int subnet = 2 * h.az + static_cast<int>(rng_.range(0, 1));
      // Unique per client: host n of the subnet's /20 (3,990 hosts), further ones in 10.1+.
      const int n = 10 + c;
      h.ip4 = "10." + std::to_string(n / 4000) + "." +
              std::to_string(16 * subnet + (n % 4000) / 250) + "." + std::to_string(n % 250 + 4);
      h.use_ip6 = rng_.chance(opt_.ipv6);
      if (h.use_ip6) h.ip6 = ip6_of(subnet, 0x100 + c);
      make_eni(h.eni, h.az, subnet, false, mixed ? rng_.chance(0.6) : log_clients);
      clients_.push_back(std::move(h));

      // One or two file systems, through the mount target in the client's AZ when it exists.
      const int mounts = rng_.chance(0.8) ? 1 : 2;
      const int first_fs = static_cast<int>(rng_.range(0, file_systems - 1));
      for (int k = 0; k < mounts && k < file_systems; ++k) {
        const int fs = (first_fs + k) % file_systems;
        int mt = fs * opt_.azs + h.az;
        if (mt >= opt_.mount_targets) mt = fs % opt_.mount_targets;
        Connection conn;
        conn.client = c;
        conn.mount_target = mt;
        // Busy-ness spans six orders of magnitude: a few clients move most bytes.
        conn.read_mean = std::pow(10.0, 3.5 + 6.0 * rng_.uniform());
        conn.write_mean = conn.read_mean * (0.02 + 1.5 * rng_.uniform());
        conn.lifetime = static_cast<int>(rng_.range(30, 3000));
        connections_.push_back(conn);
      }
    }
    // In mixed mode every connection is logged by at least one of its ENIs.
    for (const Connection& conn : connections_) {
      Host& client = clients_[static_cast<size_t>(conn.client)];
      if (!client.eni.logged && !mount_targets_[static_cast<size_t>(conn.mount_target)].eni.logged)
        client.eni.logged = true;
    }
    // Noise hosts: an EC2 instance serving NFS itself, and internet endpoints.
    nfs_host_.ip4 = "10.0.1.25";
    nfs_host_.ip6 = ip6_of(0, 0x25);
    make_eni(nfs_host_.eni, 0, 0, false, true);
    for (int i = 0; i < 8; ++i) {
      Host h;
      h.ip4 =
          "52.94." + std::to_string(rng_.range(0, 255)) + "." + std::to_string(rng_.range(1, 254));
      h.ip6 = "2600:1f18:" + std::to_string(rng_.range(1000, 9999)) + "::" + std::to_string(i + 1);
      outside_.push_back(std::move(h));
    }
    // Hosts outside the mount targets' security group: their attempts are REJECTed.
    for (int i = 0; i < 4; ++i) {
      Host h;
      h.az = i % opt_.azs;
      h.ip4 = "10.0." + std::to_string(16 * (2 * opt_.azs) + i) + ".77";
      make_eni(h.eni, h.az, 2 * opt_.azs, false, true);
      strangers_.push_back(std::move(h));
    }
  }

  // ---- one aggregation window ----
  // Payload of connection c in base window w (phase 0); idle windows carry nothing.
  void traffic(size_t c, int64_t w, double& read, double& write) const {
    const Connection& conn = connections_[c];
    w += first_window_;
    if (hash_uniform(opt_.seed, c, static_cast<uint64_t>(w)) < 0.08) {
      read = write = 0;
      return;
    }
    const double scale = opt_.window / 60.0;
    read = conn.read_mean * scale * (0.1 + 1.8 * hash_uniform(opt_.seed + 1, c, w));
    write = conn.write_mean * scale * (0.1 + 1.8 * hash_uniform(opt_.seed + 2, c, w));
  }

  void add_nfs_records(size_t c, int64_t w, const Eni& eni, bool at_client,
                       std::vector<Record>& out) {
    const Connection& conn = connections_[c];
    const Host& client = clients_[static_cast<size_t>(conn.client)];
    const Host& mt = mount_targets_[static_cast<size_t>(conn.mount_target)];
    // The ENI's window w covers [t0 + phase, t0 + phase + window): it sees the tail of base
    // window w and the head of w+1.
    double r0, w0, r1, w1;
    traffic(c, w, r0, w0);
    traffic(c, w + 1, r1, w1);
    const double f = static_cast<double>(eni.phase) / opt_.window;
    const int64_t ws = opt_.start + w * opt_.window + eni.phase;
    w += first_window_;  // the draws below depend on the time, not on where the run started
    const double read = (1 - f) * r0 + f * r1;
    const double write = (1 - f) * w0 + f * w1;
    if (read <= 0 && write <= 0) return;
    const int64_t ops = 1 + static_cast<int64_t>((read + write) / 65536);
    int64_t resp_bytes = static_cast<int64_t>(read) + 120 * ops;
    int64_t req_bytes = static_cast<int64_t>(write) + 180 * ops;
    // Rare huge windows (a 10 Gbit/s burst): one record above 4 GiB. The draw is keyed on the
    // connection and window, so both ENIs of an aligned pair agree.
    if (hash_uniform(opt_.seed + 3, c, w) < opt_.huge)
      resp_bytes += 4300000000LL + static_cast<int64_t>(2e10 * hash_uniform(opt_.seed + 4, c, w));

    const int64_t epoch = w / conn.lifetime;
    const int port = 32768 + static_cast<int>(mix64(opt_.seed ^ (c << 20) ^ epoch) % 28232);
    const bool syn = w % conn.lifetime == 0;
    // First and last packet seen inside the window: aligned ENIs see the same seconds.
    const int64_t lead = static_cast<int64_t>(4 * hash_uniform(opt_.seed + 5, c, w));
    const int64_t tail = static_cast<int64_t>(4 * hash_uniform(opt_.seed + 6, c, w));
    const bool v6 = client.use_ip6;
    const std::string_view caddr = v6 ? client.ip6 : client.ip4;
    const std::string_view saddr = v6 ? mt.ip6 : mt.ip4;

    Record req;
    req.eni = &eni;
    req.src = caddr;
    req.dst = saddr;
    req.sport = port;
    req.dport = 2049;
    req.packets = req_bytes / 8949 + ops;
    req.bytes = req_bytes;
    req.start = ws + lead;
    req.end = ws + opt_.window - 1 - tail;
    req.tcp_flags = syn ? 2 : 0;
    req.egress = at_client;
    req.ip6 = v6;
    Record resp = req;
    std::swap(resp.src, resp.dst);
    std::swap(resp.sport, resp.dport);
    resp.packets = resp_bytes / 8949 + ops;
    resp.bytes = resp_bytes;
    resp.tcp_flags = syn ? 18 : 0;
    resp.egress = !at_client;
    out.push_back(req);
    out.push_back(resp);
  }

  const Eni& random_logged_eni() {
    for (int tries = 0; tries < 16; ++tries) {
      const Host& h = clients_[rng_.next() % clients_.size()];
      if (h.eni.logged) return h.eni;
    }
    return nfs_host_.eni;
  }

  void add_noise(int64_t w, std::vector<Record>& out) {
    const Host& client = clients_[rng_.next() % clients_.size()];
    const int64_t ws = opt_.start + w * opt_.window;
    Record r;
    r.start = ws + rng_.range(0, opt_.window / 2);
    r.end = r.start + rng_.range(0, opt_.window / 2 - 1);
    r.sport = static_cast<int>(rng_.range(32768, 60999));
    r.ip6 = client.use_ip6;
    const std::string_view caddr = client.use_ip6 ? client.ip6 : client.ip4;
    const Eni& where = client.eni.logged ? client.eni : nfs_host_.eni;
    const uint64_t kind = rng_.next() % 10;
    if (kind < 5) {  // HTTPS to the internet, logged at the client
      const Host& o = outside_[rng_.next() % outside_.size()];
      r.eni = client.eni.logged ? &client.eni : &nfs_host_.eni;
      r.src = r.eni == &client.eni ? caddr : std::string_view(nfs_host_.ip4);
      r.ip6 = r.eni == &client.eni && client.use_ip6;
      r.dst = r.ip6 ? o.ip6 : o.ip4;
      r.dport = 443;
      r.bytes = rng_.range(400, 5000000);
      r.packets = r.bytes / 1400 + 1;
      out.push_back(r);
      Record back = r;
      std::swap(back.src, back.dst);
      std::swap(back.sport, back.dport);
      back.bytes = rng_.range(200, 20000000);
      back.packets = back.bytes / 1400 + 1;
      back.egress = false;
      out.push_back(back);
    } else if (kind < 8) {  // TCP 2049 to an EC2 NFS server: not EFS, but looks like it
      r.src = client.ip4;
      r.dst = nfs_host_.ip4;
      r.ip6 = false;
      r.dport = 2049;
      r.bytes = rng_.range(200, 30000000);
      r.packets = r.bytes / 8949 + 1;
      r.eni = &nfs_host_.eni;
      r.egress = false;
      out.push_back(r);
      if (client.eni.logged) {
        r.eni = &client.eni;
        r.egress = true;
        out.push_back(r);
      }
      Record back = r;
      std::swap(back.src, back.dst);
      std::swap(back.sport, back.dport);
      back.bytes = rng_.range(200, 80000000);
      back.packets = back.bytes / 8949 + 1;
      back.eni = &nfs_host_.eni;
      back.egress = true;
      out.push_back(back);
    } else if (kind < 9) {  // UDP 2049 (an old NFS client probing the EC2 server)
      r.eni = &nfs_host_.eni;
      r.src = client.ip4;
      r.dst = nfs_host_.ip4;
      r.ip6 = false;
      r.dport = 2049;
      r.protocol = 17;
      r.packets = rng_.range(1, 4);
      r.bytes = r.packets * 128;
      r.egress = false;
      out.push_back(r);
    } else {  // ICMP echo to a mount target (protocol 1, ports 0)
      const Host& mt = mount_targets_[rng_.next() % mount_targets_.size()];
      r.eni = &where;
      r.src = caddr;
      r.dst = client.use_ip6 ? mt.ip6 : mt.ip4;
      r.sport = 0;
      r.dport = 0;
      r.protocol = client.use_ip6 ? 58 : 1;
      r.packets = rng_.range(1, 10);
      r.bytes = r.packets * 84;
      if (where.id == client.eni.id) out.push_back(r);
      if (mt.eni.logged) {
        r.eni = &mt.eni;
        r.egress = false;
        out.push_back(r);
      }
    }
  }

  void add_reject(int64_t w, std::vector<Record>& out) {
    const Host& s = strangers_[rng_.next() % strangers_.size()];
    const Host& mt = mount_targets_[rng_.next() % mount_targets_.size()];
    Record r;
    r.src = s.ip4;
    r.dst = mt.ip4;
    r.sport = static_cast<int>(rng_.range(32768, 60999));
    r.dport = 2049;
    r.packets = rng_.range(1, 3);
    r.bytes = r.packets * 60;
    r.start = opt_.start + w * opt_.window + rng_.range(0, opt_.window - 1);
    r.end = r.start + rng_.range(0, 2);
    r.tcp_flags = 2;
    // The stranger's own ENI lets the SYN out; the mount target's security group drops it.
    r.eni = &s.eni;
    out.push_back(r);
    if (mt.eni.logged) {
      r.eni = &mt.eni;
      r.reject = true;
      r.egress = false;
      out.push_back(r);
    }
  }

  void add_status(int64_t w, Status status, std::vector<Record>& out) {
    Record r;
    const bool at_mt = rng_.chance(0.3);
    const Host& mt = mount_targets_[rng_.next() % mount_targets_.size()];
    r.eni = at_mt && mt.eni.logged ? &mt.eni : &random_logged_eni();
    r.status = status;
    r.start = opt_.start + w * opt_.window + r.eni->phase;
    r.end = r.start + opt_.window;
    out.push_back(r);
  }

  std::string make_bad_line(const Record& model) {
    std::string line;
    const size_t saved = buf_.size();
    render(model);
    line.assign(buf_, saved, buf_.size() - saved - 1);
    buf_.resize(saved);
    switch (rng_.next() % 5) {
      case 0:  // truncated (a partial write)
        line.resize(line.size() / 2);
        break;
      case 1: {  // a number that is not one: the bytes value gets a stray letter
        const std::string bytes = " " + std::to_string(model.bytes) + " ";
        const size_t at = (" " + line + " ").find(bytes);
        if (at != std::string::npos)
          line.insert(at + bytes.size() - 2, "k");
        else
          line += " extra";
        break;
      }
      case 2: {  // an impossible IPv4 address replacing the source
        const size_t at = line.find(model.src);
        if (at != std::string::npos)
          line.replace(at, model.src.size(), "10.0.300.7");
        else
          line += " extra";
        break;
      }
      case 3:
        line = "this is not a flow log record";
        break;
      default:  // one field too many
        line += " 42";
        break;
    }
    return line;
  }

  void make_window(int64_t w, std::vector<Record>& batch, std::vector<std::string>& bad) {
    // Each window draws from its own stream, keyed on its time: a run starting at 10:00
    // sees the same 10:00 traffic as a longer run that started earlier.
    rng_ = Rng(mix64(opt_.seed ^ 0x6a09e667f3bcc909ULL) ^ static_cast<uint64_t>(first_window_ + w));
    for (size_t c = 0; c < connections_.size(); ++c) {
      const Connection& conn = connections_[c];
      const Eni& ceni = clients_[static_cast<size_t>(conn.client)].eni;
      const Eni& meni = mount_targets_[static_cast<size_t>(conn.mount_target)].eni;
      if (ceni.logged) add_nfs_records(c, w, ceni, true, batch);
      if (meni.logged) add_nfs_records(c, w, meni, false, batch);
    }
    const double base = static_cast<double>(batch.size());
    for (int64_t i = rng_.count(base * opt_.noise); i > 0; --i) add_noise(w, batch);
    for (int64_t i = rng_.count(base * opt_.reject); i > 0; --i) add_reject(w, batch);
    for (int64_t i = rng_.count(base * opt_.nodata); i > 0; --i)
      add_status(w, Status::kNoData, batch);
    for (int64_t i = rng_.count(base * opt_.skipdata); i > 0; --i)
      add_status(w, Status::kSkipData, batch);
    const int64_t nbad = rng_.count(base * opt_.bad);
    for (int64_t i = 0; i < nbad && !batch.empty(); ++i) {
      const Record& model = batch[rng_.next() % batch.size()];
      if (model.status == Status::kOk) bad.push_back(make_bad_line(model));
    }
  }

  // ---- rendering ----
  void put_int(int64_t v) {
    char tmp[24];
    const auto res = std::to_chars(tmp, tmp + sizeof tmp, v);
    buf_.append(tmp, res.ptr);
  }

  // A field efstop reads, written as '-' (--unknown). Its own generator, so
  // that data sets without --unknown stay byte for byte what they were.
  bool unknown_field(Field f) {
    if (opt_.unknown <= 0) return false;
    switch (f) {
      case Field::kInterfaceId:
      case Field::kSrcaddr:
      case Field::kDstaddr:
      case Field::kSrcport:
      case Field::kDstport:
      case Field::kProtocol:
      case Field::kPackets:
      case Field::kBytes:
      case Field::kStart:
      case Field::kEnd:
      case Field::kAction:
        return unknown_rng_.chance(opt_.unknown);
      default:
        return false;
    }
  }

  void render(const Record& r) {
    const bool data = r.status == Status::kOk;
    for (size_t i = 0; i < fields_.size(); ++i) {
      if (i) buf_ += ' ';
      if (data && unknown_field(fields_[i])) {
        buf_ += '-';
        continue;
      }
      switch (fields_[i]) {
        case Field::kVersion:
          buf_ += version_;
          break;
        case Field::kAccountId:
          buf_ += opt_.account;
          break;
        case Field::kInterfaceId:
          buf_ += r.eni->id;
          break;
        case Field::kSrcaddr:
        case Field::kPktSrcaddr:
          data ? void(buf_ += r.src) : void(buf_ += '-');
          break;
        case Field::kDstaddr:
        case Field::kPktDstaddr:
          data ? void(buf_ += r.dst) : void(buf_ += '-');
          break;
        case Field::kSrcport:
          data ? put_int(r.sport) : void(buf_ += '-');
          break;
        case Field::kDstport:
          data ? put_int(r.dport) : void(buf_ += '-');
          break;
        case Field::kProtocol:
          data ? put_int(r.protocol) : void(buf_ += '-');
          break;
        case Field::kPackets:
          data ? put_int(r.packets) : void(buf_ += '-');
          break;
        case Field::kBytes:
          data ? put_int(r.bytes) : void(buf_ += '-');
          break;
        case Field::kStart:
          put_int(r.start);
          break;
        case Field::kEnd:
          put_int(r.end);
          break;
        case Field::kAction:
          buf_ += !data ? "-" : r.reject ? "REJECT" : "ACCEPT";
          break;
        case Field::kLogStatus:
          buf_ += r.status == Status::kOk       ? "OK"
                  : r.status == Status::kNoData ? "NODATA"
                                                : "SKIPDATA";
          break;
        case Field::kVpcId:
          buf_ += vpc_id_;
          break;
        case Field::kSubnetId:
          buf_ += r.eni->subnet;
          break;
        case Field::kInstanceId:
          buf_ += r.eni->instance;
          break;
        case Field::kTcpFlags:
          data ? put_int(r.tcp_flags) : void(buf_ += '-');
          break;
        case Field::kType:
          buf_ += !data ? "-" : r.ip6 ? "IPv6" : "IPv4";
          break;
        case Field::kRegion:
          buf_ += opt_.region;
          break;
        case Field::kAzId:
          buf_ += r.eni->az_id;
          break;
        case Field::kFlowDirection:
          buf_ += !data ? "-" : r.egress ? "egress" : "ingress";
          break;
        case Field::kTrafficPath:
          buf_ += data && r.egress ? "1" : "-";
          break;
        case Field::kOther:
          buf_ += '-';
          break;
      }
    }
    buf_ += '\n';
  }

  // Opens the next file when line number `written` starts one.
  void begin_line(int64_t written, int64_t per_file, int64_t first_time) {
    if (written % per_file != 0) return;
    flush(true);
    if (sink_) sink_->close();
    std::string path = opt_.out;
    if (opt_.files > 1) {
      Rng name_rng(opt_.seed ^ static_cast<uint64_t>(written));
      path = opt_.out + "/" + opt_.account + "_vpcflowlogs_" + opt_.region + "_" + flow_log_id_ +
             "_" + format_utc(first_time, "%Y%m%dT%H%MZ") + "_" + hex_id(name_rng, 8) + ".log" +
             (opt_.gzip ? ".gz" : "");
    }
    sink_ = std::make_unique<Sink>(path, opt_.gzip, opt_.gzip_level);
    if (opt_.header) {
      for (size_t i = 0; i < field_names_.size(); ++i) {
        if (i) buf_ += ' ';
        buf_ += field_names_[i];
      }
      buf_ += '\n';
    }
  }

  void flush(bool force) {
    if (!sink_ || (!force && buf_.size() < (1 << 20))) return;
    sink_->write(buf_.data(), buf_.size());
    buf_.clear();
  }

  const Options& opt_;
  Rng rng_;
  Rng unknown_rng_{opt_.seed ^ 0x2d2d2d2dULL};
  int64_t first_window_;  // absolute index of the first window (start / window)
  std::vector<Field> fields_;
  std::vector<std::string> field_names_;
  std::string version_;
  std::string vpc_id_;
  std::string flow_log_id_;
  std::vector<std::string> subnet_ids_;
  std::vector<Host> clients_;
  std::vector<Host> mount_targets_;
  std::vector<Host> outside_;
  std::vector<Host> strangers_;
  Host nfs_host_;
  std::vector<Connection> connections_;
  std::unique_ptr<Sink> sink_;
  std::string buf_;
};

// ---- command line -------------------------------------------------------------------------

int64_t parse_time(const std::string& s) {
  int64_t v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec == std::errc() && res.ptr == s.data() + s.size()) return v;
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || (*end != '\0' && std::string_view(end) != "Z")) {
    std::fprintf(stderr,
                 "efstop-flowgen: --start %s: expected epoch seconds or "
                 "YYYY-MM-DDTHH:MM:SSZ\n",
                 s.c_str());
    std::exit(2);
  }
  return static_cast<int64_t>(timegm(&tm));
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    const size_t eq = arg.find('=');
    bool has_value = false;
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto need = [&]() -> const std::string& {
      if (!has_value) {
        if (i + 1 >= argc) {
          std::fprintf(stderr, "efstop-flowgen: %s needs a value (see --help)\n", arg.c_str());
          std::exit(2);
        }
        value = argv[++i];
      }
      return value;
    };
    auto num = [&]() {
      const std::string& v = need();
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || d < 0) {
        std::fprintf(stderr, "efstop-flowgen: %s %s: expected a non-negative number\n", arg.c_str(),
                     v.c_str());
        std::exit(2);
      }
      return d;
    };
    if (arg == "-h" || arg == "--help") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      std::exit(0);
    } else if (arg == "--records")
      o.records = static_cast<int64_t>(num());
    else if (arg == "--seed")
      o.seed = static_cast<uint64_t>(num());
    else if (arg == "--clients")
      o.clients = static_cast<int>(num());
    else if (arg == "--mount-targets")
      o.mount_targets = static_cast<int>(num());
    else if (arg == "--azs")
      o.azs = static_cast<int>(num());
    else if (arg == "--start")
      o.start = parse_time(need());
    else if (arg == "--window")
      o.window = static_cast<int>(num());
    else if (arg == "--logging")
      o.logging = need();
    else if (arg == "--ipv6")
      o.ipv6 = num();
    else if (arg == "--aligned")
      o.aligned = num();
    else if (arg == "--noise")
      o.noise = num();
    else if (arg == "--reject")
      o.reject = num();
    else if (arg == "--nodata")
      o.nodata = num();
    else if (arg == "--skipdata")
      o.skipdata = num();
    else if (arg == "--bad")
      o.bad = num();
    else if (arg == "--unknown")
      o.unknown = num();
    else if (arg == "--huge")
      o.huge = num();
    else if (arg == "--log-format")
      o.log_format = need();
    else if (arg == "--header")
      o.header = true;
    else if (arg == "--gzip")
      o.gzip = true;
    else if (arg == "--gzip-level")
      o.gzip_level = static_cast<int>(num());
    else if (arg == "--files")
      o.files = static_cast<int>(num());
    else if (arg == "--out")
      o.out = need();
    else if (arg == "--server-ips-out")
      o.server_ips_out = need();
    else if (arg == "--server-enis-out")
      o.server_enis_out = need();
    else if (arg == "--account")
      o.account = need();
    else if (arg == "--region")
      o.region = need();
    else {
      std::fprintf(stderr, "efstop-flowgen: unknown option %s (see --help)\n", arg.c_str());
      std::exit(2);
    }
  }
  auto bad = [](const char* msg) {
    std::fprintf(stderr, "efstop-flowgen: %s\n", msg);
    std::exit(2);
  };
  if (o.logging != "both" && o.logging != "client" && o.logging != "server" && o.logging != "mixed")
    bad("--logging: expected both, client, server or mixed");
  if (o.window < 2) bad("--window: expected at least 2 seconds (AWS uses 60 or 600)");
  if (o.clients < 1 || o.mount_targets < 1 || o.azs < 1)
    bad("--clients, --mount-targets and --azs must be at least 1");
  if (o.files < 1) bad("--files: expected at least 1");
  if (o.gzip_level > 3) bad("--gzip-level: expected 0 to 3 (ISA-L levels)");
  if (o.files > 1) {
    if (o.out == "-") bad("--files > 1 needs --out DIRECTORY");
    std::error_code ec;
    std::filesystem::create_directories(o.out, ec);
    if (ec) {
      std::fprintf(stderr, "efstop-flowgen: create %s: %s\n", o.out.c_str(), ec.message().c_str());
      std::exit(1);
    }
  }
  return o;
}

}  // namespace
}  // namespace efstop::tools

int main(int argc, char** argv) {
  const efstop::tools::Options opt = efstop::tools::parse_args(argc, argv);
  efstop::tools::Generator gen(opt);
  if (!opt.server_ips_out.empty()) gen.write_server_list(opt.server_ips_out, false);
  if (!opt.server_enis_out.empty()) gen.write_server_list(opt.server_enis_out, true);
  if (opt.records > 0) gen.run();
  return 0;
}
