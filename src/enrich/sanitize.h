// Names come from AWS tags and descriptions that anyone with tagging rights
// can set, and end up on an SRE's terminal and in CSV/HTML reports. This
// turns such a value into printable text:
//  - C0 controls, DEL and C1 controls become visible escapes ("\x1b", "\u009b"),
//    so an ANSI sequence in a Name tag cannot recolour or rewrite the terminal;
//  - Unicode bidirectional overrides/isolates (U+200E/F, U+202A..E,
//    U+2066..9) become "\u202e" escapes (they can reorder what is shown);
//  - bytes that are not valid UTF-8 become U+FFFD.
// Everything else, including non-ASCII letters, is kept as is. Pure function.
#ifndef EFSTOP_ENRICH_SANITIZE_H_
#define EFSTOP_ENRICH_SANITIZE_H_

#include <string>
#include <string_view>

namespace efstop::enrich {

std::string sanitize_name(std::string_view raw);

}  // namespace efstop::enrich

#endif  // EFSTOP_ENRICH_SANITIZE_H_
