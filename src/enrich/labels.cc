#include "enrich/labels.h"

#include <arpa/inet.h>

#include <cerrno>
#include <charconv>

#include "core/read_file.h"

namespace efstop::enrich {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Strips a comment: '#' at the start or after a blank.
std::string_view strip_comment(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

std::string format_cidr(const std::string& bytes, int len) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(bytes.size() == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(len);
}

std::string masked(const std::string& bytes, int len) {
  std::string out = bytes;
  for (size_t i = 0; i < out.size(); ++i) {
    const int bits_here = len - static_cast<int>(i) * 8;
    if (bits_here >= 8) continue;
    const unsigned mask = bits_here <= 0 ? 0u : (0xffu << (8 - bits_here)) & 0xffu;
    out[i] = static_cast<char>(static_cast<unsigned char>(out[i]) & mask);
  }
  return out;
}

}  // namespace

std::optional<std::string> parse_ip_bytes(std::string_view ip) {
  if (ip.empty() || ip.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string text(ip);
  unsigned char buf[16];
  if (text.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, text.c_str(), buf) != 1) return std::nullopt;
    return std::string(reinterpret_cast<char*>(buf), 4);
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) != 1) return std::nullopt;
  return std::string(reinterpret_cast<char*>(buf), 16);
}

LabelTable LabelTable::parse(std::string_view text, std::string_view source) {
  LabelTable table;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    line = trim(strip_comment(line));
    if (line.empty()) continue;

    auto fail = [&](const std::string& why) {
      table.errors_.push_back(std::string(source) + ":" + std::to_string(line_no) + ": " + why);
    };
    const size_t blank = line.find_first_of(" \t");
    const std::string_view cidr = line.substr(0, blank);
    const std::string_view name =
        blank == std::string_view::npos ? std::string_view() : trim(line.substr(blank));
    if (name.empty()) {
      fail("no name after '" + std::string(cidr) + "' (expected: CIDR NAME)");
      continue;
    }
    const size_t slash = cidr.find('/');
    const std::optional<std::string> bytes = parse_ip_bytes(cidr.substr(0, slash));
    if (!bytes) {
      fail("bad address '" + std::string(cidr.substr(0, slash)) + "'");
      continue;
    }
    const int max_len = static_cast<int>(bytes->size()) * 8;
    int len = max_len;
    if (slash != std::string_view::npos) {
      const std::string_view len_text = cidr.substr(slash + 1);
      const auto [ptr, ec] =
          std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
      if (ec != std::errc() || ptr != len_text.data() + len_text.size() || len < 0 ||
          len > max_len) {
        fail("bad prefix length '" + std::string(len_text) + "' in '" + std::string(cidr) +
             "' (0.." + std::to_string(max_len) + ")");
        continue;
      }
    }
    const std::string key = masked(*bytes, len);
    if (key != *bytes) {
      fail("host bits set in '" + std::string(cidr) + "' (did you mean " + format_cidr(key, len) +
           "?)");
      continue;
    }
    auto& bucket = table.by_len_[bytes->size() == 4 ? 0 : 1][len];
    const auto [it, inserted] =
        bucket.try_emplace(key, Entry{std::string(name), format_cidr(key, len), line_no});
    if (!inserted) {
      fail("duplicate prefix " + it->second.cidr + " (first on line " +
           std::to_string(it->second.line) + ")");
      continue;
    }
    ++table.count_;
  }
  return table;
}

Result<LabelTable> LabelTable::load(const std::string& path) {
  std::string text;
  if (const int err = read_file(path, &text); err != 0) {
    const std::string message = "read labels " + path + ": " + read_file_failure(err);
    return err == ENOENT ? not_found_error(message) : io_error(message);
  }
  return parse(text, path);
}

std::optional<LabelMatch> LabelTable::lookup(std::string_view ip) const {
  const std::optional<std::string> bytes = parse_ip_bytes(ip);
  if (!bytes) return std::nullopt;
  for (const auto& [len, bucket] : by_len_[bytes->size() == 4 ? 0 : 1]) {
    const auto it = bucket.find(masked(*bytes, len));
    if (it != bucket.end()) return LabelMatch{it->second.name, it->second.cidr};
  }
  return std::nullopt;
}

}  // namespace efstop::enrich
