// SHA-256 and HMAC-SHA256 (OpenSSL) and a constant-time comparison, for Job names and webhook
// signatures.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ferry::pipeline {

// Raw 32-byte digests.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// Lower-case hex of raw bytes, and back (either case; nullopt for odd length or a non-hex digit).
std::string ToHex(std::string_view bytes);
std::optional<std::string> FromHex(std::string_view hex);

// Equality in time independent of where the inputs differ (CRYPTO_memcmp). Inputs of different
// lengths compare unequal; callers compare fixed-size digests so lengths leak nothing.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace ferry::pipeline
