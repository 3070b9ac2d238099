// A webhook delivery -> Receiver::Handle (path routing, Decide: limits, signatures, event
// names, push parsing, repository/ref matching, replay cache) and the push helpers.
// Input format (text):
//   line 1: provider (GitHub, Gitea, GitLab, Generic), optionally " <method> <path>"
//   then "Name: value" header lines up to an empty line, then the body.
// A header value "$SIGN" is replaced by the correct "sha256=<hmac>" of the body and "$SECRET"
// by the secret, so the fuzzer reaches what comes after authentication.
#include <cstdlib>
#include <string>

#include "operator/controllers/pipeline/webhook/receiver.h"
#include "tests/fuzz/fuzz_input.h"

namespace webhook = ferry::pipeline::webhook;

namespace {

constexpr char kSecret[] = "fuzz-secret";

webhook::HookConfig Config(webhook::Provider provider) {
  webhook::HookConfig c;
  c.namespace_ = "ml";
  c.name = "model";
  c.provider = provider;
  c.signatureHeader = "X-Signature";
  c.secret = kSecret;
  c.sourceUrl = "https://github.com/acme/churn-model.git";
  c.sourceRef = "main";
  return c;
}

// Every log line is one valid JSON document, whatever the sender put in the path or headers.
void CheckLogLine(std::string_view line) {
  if (!nlohmann::json::accept(line)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool sink_set = (ferry::log::SetSink(&CheckLogLine), true);
  (void)sink_set;
  std::string_view in = ferry::fuzz::AsText(data, size);
  std::string_view first = ferry::fuzz::TakeLine(in);
  std::string_view provider_name = first.substr(0, first.find(' '));
  webhook::Provider provider =
      webhook::ParseProvider(provider_name).value_or(webhook::Provider::kGitHub);

  webhook::Request req;
  req.method = "POST";
  req.path = "/hooks/ml/model";
  if (size_t sp = first.find(' '); sp != std::string_view::npos) {
    std::string_view rest = first.substr(sp + 1);
    size_t sp2 = rest.find(' ');
    req.method = std::string(rest.substr(0, sp2));
    if (sp2 != std::string_view::npos) req.path = std::string(rest.substr(sp2 + 1));
  }
  std::vector<std::pair<std::string, std::string>> raw_headers;
  while (!in.empty()) {
    std::string_view line = ferry::fuzz::TakeLine(in);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    raw_headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  req.body = std::string(in);
  for (auto& [name, value] : raw_headers) {
    if (value == "$SIGN") value = webhook::SignSha256(kSecret, req.body);
    if (value == "$SECRET") value = kSecret;
    req.headers[name] = value;
  }

  int triggers = 0;
  webhook::Receiver receiver(
      [&](const std::string& ns, const std::string& name)
          -> ferry::Result<webhook::HookConfig, webhook::LookupError> {
        if (ns != "ml" || name != "model") return webhook::LookupError{404, "no such Pipeline"};
        return Config(provider);
      },
      [&](const webhook::HookConfig&, const webhook::RunRequest& run) -> ferry::Status {
        ++triggers;
        (void)webhook::RunRequestPatch(run).dump();
        return {};
      },
      webhook::Limits{64 * 1024}, 16, ferry::log::Logger("fuzz"));
  webhook::Response first_response = receiver.Handle(req);
  (void)nlohmann::json(first_response.body).dump();
  // The same delivery again: never a second run.
  webhook::Response replay = receiver.Handle(req);
  if (triggers > 1) std::abort();
  if (first_response.status == 202 && triggers == 1 && replay.status != 409) std::abort();

  if (auto push = webhook::ParsePushEvent(req.body)) {
    for (const auto& url : push->repositoryUrls) (void)webhook::NormalizeRepoUrl(url);
    (void)webhook::RefMatches("main", push->ref);
    (void)webhook::RefMatches(push->ref, "refs/tags/v1");
  }
  (void)webhook::FormPayload(req.body);
  (void)webhook::ParseHookPath(req.path);
  (void)webhook::NormalizeRepoUrl(req.body);
  return 0;
}
