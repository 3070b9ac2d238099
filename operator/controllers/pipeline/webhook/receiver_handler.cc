// Receiver (receiver.h): lookup, Decide, trigger, one log line.
#include "operator/controllers/pipeline/webhook/receiver.h"

namespace ferry::pipeline::webhook {

Receiver::Receiver(Lookup lookup, Trigger trigger, Limits limits, size_t delivery_cache_size,
                   log::Logger logger)
    : lookup_(std::move(lookup)),
      trigger_(std::move(trigger)),
      limits_(limits),
      seen_(delivery_cache_size),
      log_(std::move(logger)) {}

Response Receiver::Handle(const Request& req) {
  Decision d;
  auto target = ParseHookPath(req.path);
  if (!target) {
    d.status = 404;
    d.reason = "no such endpoint; use POST /hooks/<namespace>/<pipeline>";
    LogDecision(req, nullptr, d);
    return {d.status, d.reason + "\n"};
  }
  auto config = lookup_(target->first, target->second);
  if (!config.ok()) {
    d.status = config.error().status;
    d.reason = config.error().message;
    LogDecision(req, nullptr, d);
    return {d.status, d.reason + "\n"};
  }
  d = Decide(req, *config, seen_, limits_);
  if (d.action == Action::kTrigger) {
    Status recorded = trigger_(*config, *d.run);
    if (!recorded.ok()) {
      seen_.Release(config->namespace_ + "/" + config->name + "/" + d.delivery);
      d.action = Action::kRefuse;
      d.status = 503;
      d.reason = "cannot request the run: " + recorded.error().message;
    }
  }
  LogDecision(req, &*config, d);
  return {d.status, d.reason + "\n"};
}

void Receiver::LogDecision(const Request& req, const HookConfig* config, const Decision& d) const {
  log::Logger l = log_.WithValues({{"path", req.path},
                                   {"remote", req.remoteAddress},
                                   {"status", d.status},
                                   {"event", d.event},
                                   {"delivery", d.delivery}});
  if (config != nullptr) {
    l = l.WithValues({{"object", config->namespace_ + "/" + config->name},
                      {"provider", std::string(ProviderName(config->provider))}});
  }
  switch (d.action) {
    case Action::kTrigger:
      l.Info("webhook requested a run", {{"revision", d.run->revision}, {"ref", d.run->ref}});
      break;
    case Action::kPing:
      l.Info("webhook ping answered");
      break;
    case Action::kIgnore:
      l.Info("webhook delivery ignored", {{"reason", d.reason}});
      break;
    case Action::kRefuse:
      l.Warn("webhook delivery refused", {{"reason", d.reason}});
      break;
  }
}

}  // namespace ferry::pipeline::webhook
