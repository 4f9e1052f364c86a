// HTML: one self-contained page (docs/report-html.md). The page is the JSON
// contract (json_writer.cc, written once, never a second serializer)
// embedded in a <script type="application/json"> block, plus a script and a
// stylesheet compiled in from html/report.js and html/report.css. The
// script draws everything from the JSON with DOM calls (textContent,
// createElementNS), never innerHTML, so no name from a tag can become markup.
//
// The Content-Security-Policy allows nothing but that one script and that
// one stylesheet, by their SHA-256 (computed at build time, see
// CMakeLists.txt): no remote load, no other inline script, no eval.
#include <sstream>
#include <string>
#include <string_view>

#include "report/html_assets.h"
#include "report/writer.h"

namespace efstop::report {

namespace {

// JSON text made safe inside <script type="application/json">: the HTML
// parser ends that element at "</script" and treats "<!--" specially, so
// '<', '>' and '&' become \u003c, \u003e, \u0026 (they can only occur inside
// JSON strings, where the escape means the same character). U+2028 and
// U+2029 are escaped too: the JSON writer already writes ASCII only, so
// this guards the contract, not today's output.
std::string script_safe_json(std::string_view json) {
  std::string out;
  out.reserve(json.size() + json.size() / 16);
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
               (json[i + 2] == '\xA8' || json[i + 2] == '\xA9')) {
      out += json[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string html_content_security_policy() {
  return std::string("default-src 'none'; script-src 'sha256-") +
         std::string(internal::kReportScriptSha256) + "'; style-src 'sha256-" +
         std::string(internal::kReportStyleSha256) + "'; base-uri 'none'; form-action 'none'";
}

void write_html(const Report& report, std::ostream& out) {
  std::ostringstream json;
  write_json(report, json);
  // The script and the stylesheet must stay byte for byte what was hashed:
  // nothing is written between the tags and their text.
  out << "<!DOCTYPE html>\n"
      << "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"" << html_content_security_policy()
      << "\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"generator\" content=\"efstop\">\n"
      << "<title>efstop report</title>\n"
      << "<style>" << internal::kReportStyle << "</style>\n"
      << "</head>\n<body>\n"
      << "<noscript><p>This report draws itself with the script inside this file; "
         "allow JavaScript to see it. The data is in the element "
         "efstop-data, as JSON (docs/json.md).</p></noscript>\n"
      << "<main id=\"report\"></main>\n"
      << "<script type=\"application/json\" id=\"efstop-data\">" << script_safe_json(json.str())
      << "</script>\n"
      << "<script>" << internal::kReportScript << "</script>\n"
      << "</body>\n</html>\n";
}

}  // namespace efstop::report
