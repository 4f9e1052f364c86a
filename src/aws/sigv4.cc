// SigV4 signing. The only file that calls OpenSSL's digest and HMAC APIs.
#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <ctime>
#include <map>

namespace efstop::aws {
namespace {

std::string to_hex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Trims and collapses inner whitespace runs to one space (the canonical
// header value rule; multi-line values fold into one line).
std::string canonical_header_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Removes "." and ".." segments and empty segments ("//"), keeping a
// trailing slash when the path had one (the suite's normalize-path cases).
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg = path.substr(pos, next - pos);
    if (seg.empty() || seg == ".") {
      // skip
    } else if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else {
      segments.push_back(seg);
    }
    pos = next + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  bool trailing = !path.empty() && path.back() == '/';
  // "/a/.." and "/a/." end on a directory too.
  if (path.ends_with("/.") || path.ends_with("/..")) trailing = true;
  if (out.empty() || trailing) out.push_back('/');
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return to_hex(digest, sizeof(digest));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &out_len);
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string canonical_uri(std::string_view path, bool s3_rules) {
  if (path.empty()) return "/";
  if (s3_rules) return std::string(path);
  return uri_encode(normalize_path(path), /*keep_slash=*/true);
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view item = query.substr(pos, amp - pos);
    if (!item.empty()) {
      size_t eq = item.find('=');
      std::string_view name = item.substr(0, eq);
      std::string_view value =
          eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
      pairs.emplace_back(uri_encode(percent_decode(name)), uri_encode(percent_decode(value)));
    }
    pos = amp + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::pair<std::string, std::string> canonical_headers(const HttpHeaders& headers) {
  std::map<std::string, std::string> merged;  // sorted by lowercase name
  for (const auto& [name, value] : headers) {
    std::string key = lower(canonical_header_value(name));
    std::string v = canonical_header_value(value);
    auto [it, inserted] = merged.emplace(key, v);
    if (!inserted) {
      it->second.push_back(',');
      it->second += v;
    }
  }
  std::string block;
  std::string signed_list;
  for (const auto& [name, value] : merged) {
    block += name;
    block.push_back(':');
    block += value;
    block.push_back('\n');
    if (!signed_list.empty()) signed_list.push_back(';');
    signed_list += name;
  }
  return {block, signed_list};
}

std::string canonical_request(const SigningInput& input, bool s3_rules) {
  auto [header_block, signed_list] = canonical_headers(input.headers);
  std::string out;
  out += input.method;
  out.push_back('\n');
  out += canonical_uri(input.path, s3_rules);
  out.push_back('\n');
  out += canonical_query(input.query);
  out.push_back('\n');
  out += header_block;
  out.push_back('\n');
  out += signed_list;
  out.push_back('\n');
  out += input.payload_hash;
  return out;
}

std::string credential_scope(std::string_view date, std::string_view region,
                             std::string_view service) {
  std::string out(date);
  out.push_back('/');
  out += region;
  out.push_back('/');
  out += service;
  out += "/aws4_request";
  return out;
}

std::string string_to_sign(std::string_view amz_date_value, std::string_view scope,
                           std::string_view canonical_request_text) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += amz_date_value;
  out.push_back('\n');
  out += scope;
  out.push_back('\n');
  out += sha256_hex(canonical_request_text);
  return out;
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string k_date = hmac_sha256("AWS4" + std::string(secret), date);
  std::string k_region = hmac_sha256(k_date, region);
  std::string k_service = hmac_sha256(k_region, service);
  return hmac_sha256(k_service, "aws4_request");
}

std::string signature(std::string_view key, std::string_view string_to_sign_text) {
  std::string mac = hmac_sha256(key, string_to_sign_text);
  return to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature_hex) {
  std::string out = "AWS4-HMAC-SHA256 Credential=";
  out += access_key_id;
  out.push_back('/');
  out += scope;
  out += ", SignedHeaders=";
  out += signed_headers;
  out += ", Signature=";
  out += signature_hex;
  return out;
}

void sign_request(HttpRequest& request, const Credentials& credentials,
                  const SigningParams& params) {
  // Split the absolute URL into host[:port], path and query.
  std::string_view url = request.url;
  size_t scheme_end = url.find("://");
  assert(scheme_end != std::string_view::npos);
  std::string_view rest = url.substr(scheme_end + 3);
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  std::string_view path_query =
      path_start == std::string_view::npos ? "/" : rest.substr(path_start);
  size_t q = path_query.find('?');
  std::string_view path = path_query.substr(0, q);
  std::string_view query =
      q == std::string_view::npos ? std::string_view() : path_query.substr(q + 1);
  if (path.empty()) path = "/";
  // Default ports are not part of Host (curl leaves them out too).
  std::string host(authority);
  if (url.starts_with("https://") && host.ends_with(":443")) host.resize(host.size() - 4);
  if (url.starts_with("http://") && host.ends_with(":80")) host.resize(host.size() - 3);

  // Drop any previous signature (a re-signed retry).
  std::erase_if(request.headers, [](const auto& h) {
    std::string n = lower(h.first);
    return n == "authorization" || n == "x-amz-date" || n == "x-amz-security-token" ||
           n == "x-amz-content-sha256" || n == "host";
  });

  const std::string date_time = amz_date(params.time);
  const std::string payload_hash = sha256_hex(request.body);
  request.headers.emplace_back("Host", host);
  request.headers.emplace_back("X-Amz-Date", date_time);
  if (params.s3_rules) request.headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!credentials.session_token.empty()) {
    request.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  SigningInput input{request.method, std::string(path), std::string(query), request.headers,
                     payload_hash};
  const std::string creq = canonical_request(input, params.s3_rules);
  const std::string scope = credential_scope(date_time.substr(0, 8), params.region, params.service);
  const std::string sts = string_to_sign(date_time, scope, creq);
  const std::string key = signing_key(credentials.secret_access_key, date_time.substr(0, 8),
                                      params.region, params.service);
  auto [unused_block, signed_list] = canonical_headers(request.headers);
  request.headers.emplace_back(
      "Authorization",
      authorization_header(credentials.access_key_id, scope, signed_list, signature(key, sts)));
}

}  // namespace efstop::aws
