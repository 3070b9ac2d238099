#include "operator/runtime/manager/manager.h"

#include <cstdlib>

namespace ferry::manager {
namespace {

// With a real clock, waits re-check their condition at least this often.
constexpr Clock::Duration kPollSlice = std::chrono::milliseconds(50);

}  // namespace

Manager::Manager(ManagerOptions options, Clock& clock, metrics::Registry* registry)
    : options_(std::move(options)), clock_(clock), registry_(registry), log_("manager") {
  healthz_.Add("ping", [] { return Status(); });
  readyz_.Add("informers", [this]() -> Status {
    std::string missing;
    for (auto* inf : informers_) {
      if (!inf->HasSynced()) missing += (missing.empty() ? "" : ", ") + inf->name();
    }
    if (missing.empty()) return {};
    return Error{"caches not synced: " + missing};
  });
}

Manager::~Manager() {
  Stop();
  if (elector_thread_.joinable()) {
    elector_->Stop();
    elector_thread_.join();
  }
}

void Manager::AddInformer(cache::SharedInformer* informer) { informers_.push_back(informer); }
void Manager::AddController(controller::Controller* c) { controllers_.push_back(c); }

void Manager::SetLeaderElection(leaderelection::LeaseClient* client,
                                leaderelection::LeaderElectionConfig config) {
  lease_client_ = client;
  election_config_ = std::move(config);
}

int Manager::metrics_port() const {
  std::lock_guard g(mu_);
  return metrics_server_ ? metrics_server_->port() : 0;
}

int Manager::health_port() const {
  std::lock_guard g(mu_);
  return health_server_ ? health_server_->port() : 0;
}

bool Manager::controllers_started() const {
  std::lock_guard g(mu_);
  return controllers_started_;
}

bool Manager::Stopping() const {
  std::lock_guard g(mu_);
  return stop_requested_ || lost_;
}

void Manager::Stop() {
  std::lock_guard g(mu_);
  stop_requested_ = true;
  cv_.notify_all();
}

Status Manager::StartEndpoints() {
  if (options_.metrics_bind_address != "0") {
    metrics::Registry* registry = registry_;
    auto server = metrics::HttpServer::Start(
        options_.metrics_bind_address,
        {{"/metrics", [registry] {
            return metrics::HttpResponse{200, metrics::kPrometheusContentType,
                                         registry != nullptr ? registry->Serialize() : ""};
          }}});
    if (!server) return Error{"metrics endpoint: " + server.error().message};
    std::lock_guard g(mu_);
    metrics_server_ = std::move(server.value());
  }
  if (options_.health_probe_bind_address != "0") {
    auto server = metrics::HttpServer::Start(
        options_.health_probe_bind_address,
        {{"/healthz", [this] { return healthz_.Evaluate(); }},
         {"/readyz", [this] { return readyz_.Evaluate(); }}});
    if (!server) return Error{"health probe endpoint: " + server.error().message};
    std::lock_guard g(mu_);
    health_server_ = std::move(server.value());
  }
  log_.Info("serving endpoints", {{"metricsPort", metrics_port()}, {"healthPort", health_port()}});
  return {};
}

Status Manager::WaitForCaches() {
  for (auto* inf : informers_) inf->Start();
  auto deadline = clock_.Now() + options_.cache_sync_timeout;
  auto all_synced = [&] {
    for (auto* inf : informers_) {
      if (!inf->HasSynced()) return false;
    }
    return true;
  };
  std::unique_lock lock(mu_);
  while (!stop_requested_ && !all_synced()) {
    if (clock_.Now() >= deadline) {
      lock.unlock();
      auto st = readyz_.Evaluate();
      return Error{"timed out waiting for caches to sync: " + st.body};
    }
    clock_.WaitUntil(cv_, lock, std::min(deadline, clock_.Now() + kPollSlice),
                     [&] { return stop_requested_ || all_synced(); });
  }
  return {};
}

Status Manager::WaitForLeadership() {
  auto config = election_config_;
  config.on_started_leading = [this] {
    std::lock_guard g(mu_);
    leading_ = true;
    cv_.notify_all();
  };
  config.on_stopped_leading = [this] {
    bool lost;
    {
      std::lock_guard g(mu_);
      lost = !stop_requested_;
      lost_ = lost_ || lost;
      cv_.notify_all();
    }
    if (lost && options_.exit_on_leadership_lost) {
      log_.Error("leader election lost; exiting so no leader work continues");
      std::_Exit(1);
    }
  };
  if (auto st = leaderelection::ValidateConfig(config); !st) return st;
  elector_ = std::make_unique<leaderelection::LeaderElector>(*lease_client_, clock_, config,
                                                             registry_);
  elector_thread_ = std::thread([this] { elector_->Run(); });
  log_.Info("waiting for leadership", {{"lease", lease_client_->Describe()}});
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return leading_ || stop_requested_ || lost_; });
  return {};
}

Status Manager::Run() {
  Status st = StartEndpoints();
  if (st) st = WaitForCaches();
  if (st && !Stopping() && lease_client_ != nullptr) st = WaitForLeadership();
  if (st && !Stopping()) {
    for (auto* c : controllers_) c->Start();
    std::lock_guard g(mu_);
    controllers_started_ = true;
    log_.Info("controllers started", {{"controllers", static_cast<unsigned long>(controllers_.size())}});
  }
  if (st) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stop_requested_ || lost_; });
  }
  bool lost;
  {
    std::lock_guard g(mu_);
    lost = lost_;
  }
  Shutdown();
  if (!st) return st;
  if (lost) return Error{"leader election lost"};
  return {};
}

void Manager::Shutdown() {
  log_.Info("shutting down", {{"gracePeriodSeconds",
                               static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(
                                   options_.graceful_shutdown_timeout).count())}});
  for (auto* c : controllers_) c->queue().ShutDown();  // no new work anywhere
  auto deadline = clock_.Now() + options_.graceful_shutdown_timeout;
  for (auto* c : controllers_) c->Stop(deadline);
  if (elector_thread_.joinable()) {  // after the reconciles: only then give the lease away
    elector_->Stop();
    elector_thread_.join();
  }
  for (auto* inf : informers_) inf->Stop();
  std::lock_guard g(mu_);
  metrics_server_.reset();
  health_server_.reset();
}

}  // namespace ferry::manager
