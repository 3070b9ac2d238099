// Authentication of git webhook deliveries, per provider (spec.triggers.webhook.provider):
//   GitHub   X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed by the secret>
//   Gitea    the same header when sent, else X-Gitea-Signature: <hex HMAC-SHA256>
//   GitLab   X-Gitlab-Token: <the secret itself> (GitLab signs nothing)
//   Generic  spec.triggers.webhook.signatureHeader: sha256=<hex HMAC-SHA256> (or bare hex)
// Every comparison takes the same time wherever the inputs differ (CRYPTO_memcmp over equal-size
// digests), so a sender learns nothing about the secret from response times.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::pipeline::webhook {

enum class Provider { kGitHub, kGitea, kGitLab, kGeneric };

// "GitHub", "Gitea", "GitLab", "Generic" (the API's strings); nullopt otherwise.
std::optional<Provider> ParseProvider(std::string_view s);
std::string_view ProviderName(Provider p);

// HTTP header names compare case-insensitively.
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

inline constexpr char kHubSignature256Header[] = "X-Hub-Signature-256";
inline constexpr char kGiteaSignatureHeader[] = "X-Gitea-Signature";
inline constexpr char kGitLabTokenHeader[] = "X-Gitlab-Token";
inline constexpr char kSha256Prefix[] = "sha256=";

enum class AuthStatus { kOk, kMissing, kMalformed, kMismatch };

struct AuthResult {
  AuthStatus status = AuthStatus::kOk;
  // For logs and the response: what was wrong, naming the header, never a secret or signature.
  std::string detail;
  bool ok() const { return status == AuthStatus::kOk; }
};

// "sha256=" + hex HMAC-SHA256(secret, body): what GitHub sends.
std::string SignSha256(std::string_view secret, std::string_view body);

// Checks a "sha256=<hex>" (or, with `allow_bare`, "<hex>") signature of `body`.
AuthResult VerifyHmacSha256(std::string_view header_name, const std::string* value,
                            std::string_view secret, std::string_view body, bool allow_bare);

// Authenticates a delivery for `provider`; `generic_header` is the Generic provider's header.
AuthResult Authenticate(Provider provider, const Headers& headers, std::string_view body,
                        std::string_view secret, std::string_view generic_header = {});

}  // namespace ferry::pipeline::webhook
