// ObjectMeta helpers: uids, timestamps, generated names, and name/label validation with the
// messages of k8s.io/apimachinery.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "sim/core/status.h"

namespace kubesim {

using json = nlohmann::json;

/// Random RFC 4122 version-4 uid.
std::string new_uid();
/// `n` random characters from the apiserver's generateName alphabet ("bcdfghjklmnpqrstvwxz2456789").
std::string random_suffix(size_t n);
/// RFC 3339 UTC timestamp with second precision ("2026-11-25T07:33:49Z").
std::string rfc3339(std::chrono::system_clock::time_point t);
std::string now_rfc3339();
/// MicroTime ("2026-11-25T07:33:49.123456Z").
std::string now_micro();
/// Parses an RFC 3339 timestamp (with or without fraction); false if malformed.
bool parse_rfc3339(const std::string& s, std::chrono::system_clock::time_point* out);
/// True for MicroTime strings (6 fractional digits are required on the wire by v1.19).
bool is_micro_time(const std::string& s);

/// Causes for an invalid metadata.name (DNS-1123 subdomain, max 253).
std::vector<Cause> validate_name(const std::string& name, const std::string& field = "metadata.name");
/// Causes for a DNS-1123 label (namespaces, services; max 63).
std::vector<Cause> validate_dns_label(const std::string& name, const std::string& field);
/// Causes for invalid metadata.labels keys/values.
std::vector<Cause> validate_labels(const json& labels, const std::string& field = "metadata.labels");

/// Convenience accessors on an object's metadata.
std::string meta_string(const json& obj, const char* key);
json labels_of(const json& obj);

}  // namespace kubesim
