// XML answers (EC2, STS, S3): a parsed document plus lookups by LOCAL name,
// so "ec2.amazonaws.com/doc/2014-06-15/" and ".../2016-11-15/" namespaces
// (and any prefix) read the same. pugixml is the parser; its error style is
// converted to Status here only.
#ifndef EFSTOP_AWS_XML_UTIL_H_
#define EFSTOP_AWS_XML_UTIL_H_

#include <memory>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace efstop::aws {

// Owns a parsed document; nodes handed out stay valid while it lives.
// Movable, not copyable.
class XmlDocument {
 public:
  XmlDocument();
  // Parses `text`. Errors: kParse naming the offset and pugixml's reason.
  static Result<XmlDocument> parse(std::string_view text);

  pugi::xml_node root() const;  // the document element

 private:
  std::unique_ptr<pugi::xml_document> doc_;
};

// The local part of a node name ("ns:Code" -> "Code").
std::string_view xml_local_name(const pugi::xml_node& node);
// First child element whose local name is `name` (empty node if none).
pugi::xml_node xml_child(const pugi::xml_node& node, std::string_view name);
// Follows a path of local names: xml_path(root, {"Result", "Credentials"}).
pugi::xml_node xml_path(const pugi::xml_node& node, std::initializer_list<std::string_view> names);
// All child elements with local name `name`.
std::vector<pugi::xml_node> xml_children(const pugi::xml_node& node, std::string_view name);
// Text of child `name`, surrounding whitespace trimmed ("" if absent).
std::string xml_child_text(const pugi::xml_node& node, std::string_view name);
// First element with local name `name` anywhere below `node` (depth-first).
pugi::xml_node xml_find(const pugi::xml_node& node, std::string_view name);

// The pugixml version built against ("1.13"), for `efstop --version`.
std::string pugixml_version();

}  // namespace efstop::aws

#endif  // EFSTOP_AWS_XML_UTIL_H_
