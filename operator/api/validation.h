// Validation helpers shared by the Release and Pipeline validators: Kubernetes name and label
// rules, quantities, URLs, and checks that append a FieldError saying what would be valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "operator/api/meta.h"

namespace ferry::api {

// Upper bounds shared with the CRD schemas (crd_test checks the CRD's bounds against these checks).
inline constexpr int64_t kMaxSeconds = 86400;  // delays and deadlines: one day
inline constexpr int64_t kMaxCount = 10000;    // counts, limits, samples and replicas

// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, <= 63.
bool IsDnsLabel(std::string_view s);
// RFC 1123 subdomain: dot-separated labels, <= 253 (names of Deployments, Secrets, Jobs, ...).
bool IsDnsSubdomain(std::string_view s);
// RFC 1035 label: an RFC 1123 label starting with a letter (Service names).
bool IsDns1035Label(std::string_view s);
// Label value: empty or <= 63 of [A-Za-z0-9-_.], starting and ending alphanumeric.
bool IsLabelValue(std::string_view s);
// Label or annotation key: [prefix/]name, prefix a DNS subdomain, name a label value <= 63.
bool IsQualifiedName(std::string_view s);
// Container env var name: [-._a-zA-Z][-._a-zA-Z0-9]*.
bool IsEnvVarName(std::string_view s);
// Resource quantity ("500m", "1Gi", "2", "1.5", "1e3").
bool IsQuantity(std::string_view s);
// http:// or https:// with a host.
bool IsHttpUrl(std::string_view s);
// HTTP header field name (RFC 7230 token).
bool IsHttpHeaderName(std::string_view s);

// Append an error to `errs` unless the check passes. Messages quote the value and say what is
// valid, e.g. `spec.targetRef.name: "My_App" is not a valid name: lower-case letters, digits and
// '-', starting and ending with a letter or digit, at most 253 characters`.
void CheckRequired(std::string_view value, const std::string& path, FieldErrors& errs);
void CheckDnsLabel(std::string_view value, const std::string& path, FieldErrors& errs);
void CheckDnsSubdomain(std::string_view value, const std::string& path, FieldErrors& errs);
void CheckServiceName(std::string_view value, const std::string& path, FieldErrors& errs);
void CheckRange(int64_t value, int64_t lo, int64_t hi, const std::string& path,
                FieldErrors& errs);
// A duration string (meta.h); `positive` also refuses zero.
void CheckDuration(std::string_view value, bool positive, const std::string& path,
                   FieldErrors& errs);
void CheckLabels(const std::map<std::string, std::string>& labels, const std::string& path,
                 FieldErrors& errs);
void CheckAnnotationKeys(const std::map<std::string, std::string>& annotations,
                         const std::string& path, FieldErrors& errs);

// Values longer than this are cut in messages, so that a hostile megabyte-long field cannot
// make a status condition or Event too large to write.
inline constexpr size_t kMaxQuotedBytes = 256;

// Quotes a value for a message: "abc"; a longer value than kMaxQuotedBytes is cut (at a UTF-8
// character boundary) and its size given: "aaaa..."... (70000 bytes).
std::string Quote(std::string_view s);

}  // namespace ferry::api
