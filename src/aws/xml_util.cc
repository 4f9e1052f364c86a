// pugixml adapter: the only place xml_parse_result becomes a Status.
#include "aws/xml_util.h"

#include <cstring>

namespace efstop::aws {
namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

XmlDocument::XmlDocument() : doc_(std::make_unique<pugi::xml_document>()) {}

Result<XmlDocument> XmlDocument::parse(std::string_view text) {
  XmlDocument d;
  pugi::xml_parse_result r =
      d.doc_->load_buffer(text.data(), text.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) {
    return parse_error("XML answer unreadable at byte " + std::to_string(r.offset) + ": " +
                       r.description());
  }
  if (!d.doc_->document_element()) return parse_error("XML answer has no root element");
  return d;
}

pugi::xml_node XmlDocument::root() const { return doc_->document_element(); }

std::string_view xml_local_name(const pugi::xml_node& node) {
  std::string_view name = node.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node xml_child(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && xml_local_name(c) == name) return c;
  }
  return {};
}

pugi::xml_node xml_path(const pugi::xml_node& node, std::initializer_list<std::string_view> names) {
  pugi::xml_node n = node;
  for (std::string_view name : names) {
    n = xml_child(n, name);
    if (!n) return {};
  }
  return n;
}

std::vector<pugi::xml_node> xml_children(const pugi::xml_node& node, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && xml_local_name(c) == name) out.push_back(c);
  }
  return out;
}

std::string xml_child_text(const pugi::xml_node& node, std::string_view name) {
  pugi::xml_node c = xml_child(node, name);
  return c ? trim(c.child_value()) : std::string();
}

pugi::xml_node xml_find(const pugi::xml_node& node, std::string_view name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (xml_local_name(c) == name) return c;
    if (pugi::xml_node found = xml_find(c, name)) return found;
  }
  return {};
}

std::string pugixml_version() {
  // PUGIXML_VERSION is major * 1000 + minor * 10 (1130 = 1.13) since 1.10.
  return std::to_string(PUGIXML_VERSION / 1000) + "." + std::to_string(PUGIXML_VERSION % 1000 / 10);
}

}  // namespace efstop::aws
