// The git webhook receiver, without HTTP: a request (method, path, headers, body) in, a
// response (status, text) out, and at most one run request for a Pipeline.
//
// Endpoint: POST /hooks/<namespace>/<pipeline> on --webhook-bind-address, configured as the
// repository's webhook URL with the Pipeline's spec.triggers.webhook Secret as its secret.
//
// Decisions, in this order (Decide):
//   405 not a POST              413 body over the limit         500 the Secret's key is empty
//   401 missing, malformed or wrong signature/token (nothing is parsed before this)
//   200 "pong" for GitHub/Gitea ping events
//   202 "ignored: ..." for any other event than a push, a deleted branch, another ref
//   400 a push whose JSON is malformed or lacks ref, after or the repository
//   422 a push for another repository than spec.source.url
//   409 a delivery id already accepted (replay); else
//   202 "run requested": a run of the pushed commit.
// Receiver::Handle adds 404 (unknown path or Pipeline, or no webhook trigger) and 503 (the
// Pipeline or its Secret cannot be read, or the trigger cannot be recorded), and logs one line
// per delivery naming the reason; never the secret, a signature or the body.
//
// How a run is requested without touching what a GitOps repository owns (docs/API.md): the
// receiver sets the request annotations ferry.dev/run=<delivery id>, ferry.dev/run-revision=
// <commit> and ferry.dev/run-trigger=Webhook with a merge patch (RunRequestPatch); the Pipeline
// controller starts the run and acknowledges the nonce in status.lastHandledRequests.run.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/base/log.h"
#include "operator/base/result.h"
#include "operator/controllers/pipeline/webhook/delivery_cache.h"
#include "operator/controllers/pipeline/webhook/push_event.h"
#include "operator/controllers/pipeline/webhook/signature.h"

namespace ferry::pipeline::webhook {

inline constexpr char kHookPathPrefix[] = "/hooks/";
// GitHub caps payloads at 25 MB, but a push payload lists at most 20 commits: 1 MiB is ample.
inline constexpr size_t kDefaultMaxBodyBytes = 1 << 20;
// The commit's time, for the lead-time metric (the controller may read it; nothing requires it).
inline constexpr char kRunCommitTimeAnnotation[] = "ferry.dev/run-commit-time";

struct Request {
  std::string method;
  std::string path;
  Headers headers;
  std::string body;
  std::string remoteAddress;  // for logs only
};

struct Response {
  int status = 200;
  std::string body;  // one line of text for the sender's delivery log
};

// What the receiver needs of one Pipeline (read by the wiring from the Pipeline and its Secret).
struct HookConfig {
  std::string namespace_;
  std::string name;
  Provider provider = Provider::kGitHub;
  std::string signatureHeader;  // Generic only
  std::string secret;           // the Secret's value: never logged
  std::string sourceUrl;        // spec.source.url
  std::string sourceRef;        // spec.source.ref
};

// A run to request: the annotation patch carries it to the Pipeline.
struct RunRequest {
  std::string delivery;  // the nonce of ferry.dev/run
  std::string revision;
  std::string ref;
  std::optional<api::Time> commitTime;
};

enum class Action { kTrigger, kPing, kIgnore, kRefuse };

struct Decision {
  Action action = Action::kRefuse;
  int status = 400;
  std::string reason;             // for the response and the log line
  std::string event;              // the provider's event name, "" when absent
  std::string delivery;           // the delivery id (header, else SHA-256 of the body)
  std::optional<RunRequest> run;  // with kTrigger
};

struct Limits {
  size_t maxBodyBytes = kDefaultMaxBodyBytes;
};

// The decision for a request to `config`'s Pipeline. Reserves the delivery id in `seen` when it
// decides kTrigger (the caller releases it if the trigger cannot be recorded).
Decision Decide(const Request& req, const HookConfig& config, DeliveryCache& seen,
                const Limits& limits = {});

// The event name (X-GitHub-Event, X-Gitea-Event, X-Gitlab-Event; "" for Generic without one)
// and the delivery id (X-GitHub-Delivery, X-Gitea-Delivery, X-Gitlab-Event-UUID; else the hex
// SHA-256 of the body, so a byte-identical replay is still caught).
std::string EventName(Provider p, const Headers& headers);
std::string DeliveryId(Provider p, const Headers& headers, std::string_view body);

// {"metadata":{"annotations":{"ferry.dev/run": delivery, "ferry.dev/run-revision": ...,
// "ferry.dev/run-trigger": "Webhook"[, "ferry.dev/run-commit-time": ...]}}}: a merge patch.
nlohmann::json RunRequestPatch(const RunRequest& run);

// "/hooks/<namespace>/<name>" -> {namespace, name}; nullopt for any other path.
std::optional<std::pair<std::string, std::string>> ParseHookPath(std::string_view path);

struct LookupError {
  int status = 503;  // 404: no such Pipeline or no webhook trigger; 503: cannot read it now
  std::string message;
};

// The receiver with its I/O behind two functions, so the wiring can pass the Kubernetes client
// and tests plain lambdas. Thread-safe if the functions are.
class Receiver {
 public:
  using Lookup = std::function<Result<HookConfig, LookupError>(const std::string& namespace_,
                                                               const std::string& name)>;
  // Records the run request (the annotation patch); an error is answered 503.
  using Trigger = std::function<Status(const HookConfig&, const RunRequest&)>;

  Receiver(Lookup lookup, Trigger trigger, Limits limits = {},
           size_t delivery_cache_size = kDefaultDeliveryCacheSize,
           log::Logger logger = log::Logger("webhook"));

  Response Handle(const Request& req);
  const Limits& limits() const { return limits_; }

 private:
  void LogDecision(const Request& req, const HookConfig* config, const Decision& d) const;

  Lookup lookup_;
  Trigger trigger_;
  Limits limits_;
  DeliveryCache seen_;
  log::Logger log_;
};

}  // namespace ferry::pipeline::webhook
