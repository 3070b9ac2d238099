#include "operator/controllers/pipeline/webhook_wiring.h"

#include <openssl/evp.h>

#include "operator/api/pipeline_types.h"
#include "operator/controllers/pipeline/reconciler.h"

namespace ferry::pipeline {

namespace {

using webhook::LookupError;

// A Secret's data value (standard base64 with padding, as the API server serves it).
std::optional<std::string> DecodeBase64(const std::string& in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

Result<std::string, LookupError> ReadSecret(kube::Client& client, const std::string& ns,
                                            const api::SecretKeyRef& ref) {
  auto secret = client.Get(kube::kSecrets, ns, ref.name);
  if (!secret.ok()) {
    return LookupError{503, "cannot read Secret " + ns + "/" + ref.name + " of " +
                                "spec.triggers.webhook.secretRef: " + secret.error().ToString()};
  }
  const auto& data = secret.value().value("data", nlohmann::json::object());
  auto it = data.find(ref.key);
  if (it == data.end() || !it->is_string()) {
    return LookupError{503, "Secret " + ns + "/" + ref.name + " has no key " + ref.key +
                                " (spec.triggers.webhook.secretRef.key)"};
  }
  auto value = DecodeBase64(it->get<std::string>());
  if (!value) {
    return LookupError{503, "Secret " + ns + "/" + ref.name + " key " + ref.key + " is not base64"};
  }
  return std::move(*value);
}

}  // namespace

webhook::Receiver::Lookup WebhookLookup(kube::Client& client, cache::SharedInformer& pipelines) {
  return [&client, &pipelines](const std::string& ns,
                               const std::string& name) -> Result<webhook::HookConfig, LookupError> {
    if (!pipelines.HasSynced()) return LookupError{503, "the Pipeline cache is not synced yet"};
    cache::ObjectPtr obj = pipelines.indexer().Get(ns + "/" + name);
    if (!obj) return LookupError{404, "no Pipeline " + ns + "/" + name};
    auto p = api::DecodePipeline(*obj);
    if (!p.ok()) return LookupError{503, "Pipeline " + ns + "/" + name + " cannot be decoded"};
    const auto& hook = p.value().spec.triggers.webhook;
    if (!hook) return LookupError{404, "Pipeline " + ns + "/" + name + " has no spec.triggers.webhook"};
    auto provider = webhook::ParseProvider(hook->provider);
    if (!provider) return LookupError{404, "unknown spec.triggers.webhook.provider"};
    auto secret = ReadSecret(client, ns, hook->secretRef);
    if (!secret.ok()) return secret.error();
    webhook::HookConfig c;
    c.namespace_ = ns;
    c.name = name;
    c.provider = *provider;
    c.signatureHeader = hook->signatureHeader;
    c.secret = std::move(secret.value());
    c.sourceUrl = p.value().spec.source.url;
    c.sourceRef = p.value().spec.source.ref;
    return c;
  };
}

webhook::Receiver::Trigger WebhookTrigger(kube::Client& client) {
  return [&client](const webhook::HookConfig& c, const webhook::RunRequest& run) -> Status {
    auto res = client.Patch(kPipelines, c.namespace_, c.name, kube::PatchType::kMerge,
                            webhook::RunRequestPatch(run));
    if (!res.ok()) return Error{res.error().ToString()};
    return {};
  };
}

}  // namespace ferry::pipeline
