#include "report/safe_text.h"

#include <cstdint>
#include <cstdio>

namespace efstop::report {

namespace {

void append_byte_escape(std::string& out, unsigned char byte) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "\\x%02X", byte);
  out += buf;
}

void append_code_point_escape(std::string& out, uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "\\u{%04X}", static_cast<unsigned>(cp));
  out += buf;
}

bool is_unsafe_code_point(uint32_t cp) {
  if (cp >= 0x80 && cp <= 0x9F) return true;  // C1 controls (CSI is U+009B)
  if (cp == 0x061C || cp == 0x200E || cp == 0x200F) return true;
  if (cp >= 0x2028 && cp <= 0x202E) return true;  // separators and embeddings
  if (cp >= 0x2066 && cp <= 0x2069) return true;  // isolates
  return false;
}

// Decodes one UTF-8 sequence at text[i]; returns its length, or 0 when the
// bytes there are not valid UTF-8 (overlong forms, surrogates and values
// above U+10FFFF included).
size_t decode_utf8(std::string_view text, size_t i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char b0 = byte(i);
  size_t len;
  uint32_t value;
  uint32_t min_value;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, value = b0 & 0x1F, min_value = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, value = b0 & 0x0F, min_value = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, value = b0 & 0x07, min_value = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return 0;
    value = (value << 6) | (b & 0x3F);
  }
  if (value < min_value || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return len;
}

}  // namespace

std::string sanitize_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7F) {
        append_byte_escape(out, b);
      } else {
        out += static_cast<char>(b);
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = decode_utf8(text, i, &cp);
    if (len == 0) {
      append_byte_escape(out, b);
      ++i;
    } else if (is_unsafe_code_point(cp)) {
      append_code_point_escape(out, cp);
      i += len;
    } else {
      out.append(text.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string sanitize_cell(std::string_view text) {
  std::string out = sanitize_text(text);
  // TAB and CR arrive here already escaped as "\x09"/"\x0D", which start
  // with a backslash and are inert; = + - @ are the live ones.
  if (!out.empty() && (out[0] == '=' || out[0] == '+' || out[0] == '-' || out[0] == '@')) {
    out.insert(out.begin(), '\'');
  }
  return out;
}

size_t display_width(std::string_view sanitized) {
  size_t width = 0;
  for (char c : sanitized) {
    // Count every byte that does not continue a UTF-8 sequence.
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
  }
  return width;
}

std::string truncate_to_width(std::string_view sanitized, size_t max_width) {
  if (display_width(sanitized) <= max_width) return std::string(sanitized);
  if (max_width == 0) return {};
  size_t kept = 0;  // code points kept so far
  size_t end = 0;   // bytes kept so far
  for (; end < sanitized.size(); ++end) {
    const bool starts_code_point = (static_cast<unsigned char>(sanitized[end]) & 0xC0) != 0x80;
    if (starts_code_point && kept++ == max_width - 1) break;
  }
  return std::string(sanitized.substr(0, end)) + "\xE2\x80\xA6";
}

}  // namespace efstop::report
