// Small file and encoding helpers shared by the configuration loaders (internal to kube/).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "operator/kube/errors.h"

namespace ferry::kube::internal {

// Largest configuration file read (kubeconfig, certificate, key, token): far above any real one.
inline constexpr size_t kMaxFileBytes = 16u << 20;

// Reads a whole file; a kConfig error naming `what` (e.g. "certificate-authority") and the path,
// also for a directory or a file larger than kMaxFileBytes.
Result<std::string> ReadFile(const std::string& path, std::string_view what);

// Standard base64 (RFC 4648, padding optional, whitespace ignored); nullopt-like failure as an
// empty-result flag in `ok`.
std::string Base64Decode(std::string_view in, bool* ok);

// Standard base64 with padding.
std::string Base64Encode(std::string_view in);

// `path` made absolute against `dir` when relative ("" stays "").
std::string ResolvePath(const std::string& path, std::string_view dir);

// The directory part of a path ("." for a bare file name).
std::string DirName(std::string_view path);

}  // namespace ferry::kube::internal
