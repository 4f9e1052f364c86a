// Making untrusted text safe to print. Names in reports come from AWS tag
// values, which anyone with tagging rights can set, so a name could carry
// terminal escape sequences, line breaks that forge rows, bidirectional
// overrides that reorder what the reader sees, or a spreadsheet formula.
// Every writer except JSON (which escapes instead) passes text cells
// through these functions.
//
// Pure functions; thread-safe.
#ifndef EFSTOP_REPORT_SAFE_TEXT_H_
#define EFSTOP_REPORT_SAFE_TEXT_H_

#include <string>
#include <string_view>

namespace efstop::report {

// Replaces what a terminal or a line-oriented reader would act on with a
// visible escape, keeping all other UTF-8 text as is:
//   - C0 controls (including TAB, CR, LF, ESC) and DEL -> "\xHH";
//   - C1 controls U+0080..U+009F and the bidirectional controls
//     (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069),
//     line/paragraph separators U+2028, U+2029 -> "\u{HHHH}";
//   - bytes that are not valid UTF-8 -> "\xHH".
// The result never contains a byte below 0x20 or 0x7F.
std::string sanitize_text(std::string_view text);

// sanitize_text(), then, if the cell would start with a character a
// spreadsheet treats as a formula (= + - @, or TAB/CR which sanitize_text
// has already escaped), prefixes a single quote so it stays text (OWASP
// "CSV injection" advice). For CSV and TSV text cells, not numbers.
std::string sanitize_cell(std::string_view text);

// Display width in a terminal column, counted in code points (no East
// Asian wide-character tables). For aligning sanitised text.
size_t display_width(std::string_view sanitized);

// `sanitized` cut to at most `max_width` display columns: when it is wider,
// its first max_width - 1 code points and an ellipsis (U+2026). Never cuts
// inside a UTF-8 sequence. For table cells only (a cut name in TSV, CSV or
// JSON would be a wrong value). max_width 0 gives "".
std::string truncate_to_width(std::string_view sanitized, size_t max_width);

}  // namespace efstop::report

#endif  // EFSTOP_REPORT_SAFE_TEXT_H_
