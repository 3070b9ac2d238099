#include "operator/controllers/pipeline/webhook/signature.h"

#include <algorithm>
#include <cctype>

#include "operator/controllers/pipeline/hash.h"

namespace ferry::pipeline::webhook {

namespace {

constexpr size_t kSha256Bytes = 32;

const std::string* HeaderValue(const Headers& headers, std::string_view name) {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

AuthResult Fail(AuthStatus s, std::string detail) { return AuthResult{s, std::move(detail)}; }

AuthResult VerifyToken(const std::string* token, std::string_view secret) {
  if (token == nullptr) {
    return Fail(AuthStatus::kMissing, std::string(kGitLabTokenHeader) +
                                          " header is missing: set the webhook's secret token "
                                          "in GitLab to the Pipeline's webhook Secret");
  }
  // Digests have equal sizes whatever the lengths, so the comparison leaks neither.
  if (!ConstantTimeEquals(Sha256(*token), Sha256(secret))) {
    return Fail(AuthStatus::kMismatch,
                std::string(kGitLabTokenHeader) + " does not match the Pipeline's webhook Secret");
  }
  return {};
}

}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<Provider> ParseProvider(std::string_view s) {
  for (auto p : {Provider::kGitHub, Provider::kGitea, Provider::kGitLab, Provider::kGeneric}) {
    if (ProviderName(p) == s) return p;
  }
  return std::nullopt;
}

std::string_view ProviderName(Provider p) {
  switch (p) {
    case Provider::kGitHub:
      return "GitHub";
    case Provider::kGitea:
      return "Gitea";
    case Provider::kGitLab:
      return "GitLab";
    case Provider::kGeneric:
      return "Generic";
  }
  return "";
}

std::string SignSha256(std::string_view secret, std::string_view body) {
  return kSha256Prefix + ToHex(HmacSha256(secret, body));
}

AuthResult VerifyHmacSha256(std::string_view header_name, const std::string* value,
                            std::string_view secret, std::string_view body, bool allow_bare) {
  std::string name(header_name);
  if (value == nullptr) {
    return Fail(AuthStatus::kMissing, name +
                                          " header is missing: configure the webhook with the "
                                          "secret of the Pipeline's webhook Secret");
  }
  std::string_view hex = *value;
  if (hex.starts_with(kSha256Prefix)) {
    hex.remove_prefix(sizeof kSha256Prefix - 1);
  } else if (!allow_bare) {
    return Fail(AuthStatus::kMalformed, name + " is not of the form sha256=<64 hex digits>");
  }
  auto sent = FromHex(hex);
  if (!sent || sent->size() != kSha256Bytes) {
    return Fail(AuthStatus::kMalformed, name + " does not carry 64 hex digits of HMAC-SHA256");
  }
  if (!ConstantTimeEquals(*sent, HmacSha256(secret, body))) {
    return Fail(AuthStatus::kMismatch, name +
                                           " does not match the body: the sender uses another "
                                           "secret, or the body was changed or truncated");
  }
  return {};
}

AuthResult Authenticate(Provider provider, const Headers& headers, std::string_view body,
                        std::string_view secret, std::string_view generic_header) {
  switch (provider) {
    case Provider::kGitHub:
      return VerifyHmacSha256(kHubSignature256Header, HeaderValue(headers, kHubSignature256Header), secret,
                              body, false);
    case Provider::kGitea:
      if (const std::string* hub = HeaderValue(headers, kHubSignature256Header)) {
        return VerifyHmacSha256(kHubSignature256Header, hub, secret, body, false);
      }
      return VerifyHmacSha256(kGiteaSignatureHeader, HeaderValue(headers, kGiteaSignatureHeader), secret,
                              body, true);
    case Provider::kGitLab:
      return VerifyToken(HeaderValue(headers, kGitLabTokenHeader), secret);
    case Provider::kGeneric:
      return VerifyHmacSha256(generic_header, HeaderValue(headers, generic_header), secret, body, true);
  }
  return Fail(AuthStatus::kMalformed, "unknown provider");
}

}  // namespace ferry::pipeline::webhook
