// Shared by the writers only: which optional end fields to show.
#ifndef EFSTOP_REPORT_WRITER_INTERNAL_H_
#define EFSTOP_REPORT_WRITER_INTERNAL_H_

#include <string>
#include <vector>

#include "report/model.h"

namespace efstop::report::internal {

// One optional field of End, with how each format labels it.
struct EndField {
  std::string End::*member;
  const char* table_label;  // appended to "CLIENT "/"SERVER "
  const char* key;          // appended to "client_"/"server_"; JSON member name
};

// Name, kind, id, az, account in that order.
const std::vector<EndField>& end_fields();

// The fields of `end_fields()` that at least one row sets on the chosen
// end, so text formats print only what is set yet keep one column set per
// report.
std::vector<EndField> fields_in_use(const std::vector<Row>& rows, bool client);

// The client (or server) end of `row`, or nullptr when the row has none.
inline const End* end_of(const Row& row, bool client) {
  const std::optional<End>& end = client ? row.client : row.server;
  return end ? &*end : nullptr;
}

// The end's addresses joined by ",".
std::string join_ips(const End& end);

}  // namespace efstop::report::internal

#endif  // EFSTOP_REPORT_WRITER_INTERNAL_H_
