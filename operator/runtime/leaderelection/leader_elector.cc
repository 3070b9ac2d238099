#include "operator/runtime/leaderelection/leader_elector.h"

namespace ferry::leaderelection {

Status ValidateConfig(const LeaderElectionConfig& c) {
  if (c.identity.empty()) return Error{"leader election identity is empty; set a unique one per replica"};
  if (c.retry_period <= Clock::Duration::zero()) return Error{"leader election retry period must be > 0"};
  if (c.renew_deadline <= c.retry_period) {
    return Error{"leader election renew deadline must be greater than the retry period"};
  }
  if (c.lease_duration <= c.renew_deadline) {
    return Error{"leader election lease duration must be greater than the renew deadline"};
  }
  return {};
}

LeaderElector::LeaderElector(LeaseClient& client, Clock& clock, LeaderElectionConfig config,
                             metrics::LeaderMetrics* metrics)
    : client_(client),
      clock_(clock),
      config_(std::move(config)),
      metrics_(metrics),
      log_(log::Logger("leaderelection")
               .WithValues({{"lease", client.Describe()}, {"identity", config_.identity}})) {
  if (metrics_ != nullptr) metrics_->SetLeader(client_.Describe(), false);
}

bool LeaderElector::TryAcquireOrRenew() {
  auto now = clock_.Now();
  auto wall = clock_.WallNow();
  auto lease_seconds = static_cast<int>(
      std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count());
  LeaderElectionRecord desired{config_.identity, lease_seconds, wall, wall, 0};
  auto got = client_.Get();
  if (!got) {
    if (got.error().kind != LeaseError::Kind::kNotFound) {
      log_.Warn("cannot read the lease", {{"error", got.error().message}});
      return false;
    }
    auto created = client_.Create(desired);
    if (!created) return false;  // another candidate created it first
    std::lock_guard g(mu_);
    observed_ = created->record;
    observed_rv_ = created->resource_version;
    observed_time_ = now;
    return true;
  }
  const LeaderElectionRecord& old = got->record;
  Clock::Duration held = old.lease_duration_seconds > 0
                             ? Clock::Duration(std::chrono::seconds(old.lease_duration_seconds))
                             : config_.lease_duration;
  {
    std::lock_guard g(mu_);
    if (!(old == observed_)) {  // expiry counts from when *we* saw the record change
      observed_ = old;
      observed_time_ = now;
    }
    observed_rv_ = got->resource_version;
    bool mine = old.holder_identity == config_.identity;
    if (!old.holder_identity.empty() && !mine && now < observed_time_ + held) return false;
    if (mine) {
      desired.acquire_time = old.acquire_time;
      desired.lease_transitions = old.lease_transitions;
    } else {
      desired.lease_transitions = old.lease_transitions + 1;
    }
  }
  auto updated = client_.Update(desired, got->resource_version);
  if (!updated) return false;  // 409: someone else wrote it first
  std::lock_guard g(mu_);
  observed_ = updated->record;
  observed_rv_ = updated->resource_version;
  observed_time_ = now;
  return true;
}

void LeaderElector::SetLeading(bool leading) {
  {
    std::lock_guard g(mu_);
    if (leading_ == leading) return;
    leading_ = leading;
  }
  if (metrics_ != nullptr) metrics_->SetLeader(client_.Describe(), leading);
  if (leading) {
    log_.Info("became leader");
    if (config_.on_started_leading) config_.on_started_leading();
  } else {
    if (config_.on_stopped_leading) config_.on_stopped_leading();
  }
}

Clock::TimePoint LeaderElector::Tick() {
  auto now = clock_.Now();
  bool leading;
  Clock::TimePoint last;
  {
    std::lock_guard g(mu_);
    leading = leading_;
    last = last_renew_;
  }
  bool expired = leading && now - last >= config_.renew_deadline;
  bool ok = !expired && TryAcquireOrRenew();
  if (ok) {
    std::lock_guard g(mu_);
    last_renew_ = now;  // the time before the call: its latency counts against us
  }
  if (ok && !leading) SetLeading(true);
  if (!ok && leading && clock_.Now() - last >= config_.renew_deadline) {
    log_.Error("failed to renew the lease before the renew deadline; stopping leader work");
    lost_ = true;
    SetLeading(false);
  }
  std::string leader = LeaderIdentity();
  if (leader != reported_leader_) {
    reported_leader_ = leader;
    if (!leader.empty()) log_.Info("new leader observed", {{"leader", leader}});
    if (config_.on_new_leader) config_.on_new_leader(leader);
  }
  return now + config_.retry_period;
}

bool LeaderElector::Run() {
  while (true) {
    auto next = Tick();
    if (lost_) return false;
    std::unique_lock lock(mu_);
    clock_.WaitUntil(cv_, lock, next, [&] { return stopped_; });
    if (stopped_) break;
  }
  Release();
  return true;
}

void LeaderElector::Stop() {
  std::lock_guard g(mu_);
  stopped_ = true;
  cv_.notify_all();
}

void LeaderElector::Release() {
  LeaderElectionRecord released;
  std::string rv;
  {
    std::lock_guard g(mu_);
    if (!leading_) return;
    auto wall = clock_.WallNow();
    released = LeaderElectionRecord{"", 1, wall, wall, observed_.lease_transitions};
    rv = observed_rv_;
  }
  SetLeading(false);  // leader work stops before the lease is given away
  auto updated = client_.Update(released, rv);
  if (!updated) {
    log_.Warn("could not release the lease; standbys take over after it expires",
              {{"error", updated.error().message}});
    return;
  }
  log_.Info("released the lease");
  std::lock_guard g(mu_);
  observed_ = updated->record;
  observed_rv_ = updated->resource_version;
}

bool LeaderElector::IsLeader() const {
  std::lock_guard g(mu_);
  return leading_ && clock_.Now() - last_renew_ < config_.renew_deadline;
}

std::string LeaderElector::LeaderIdentity() const {
  std::lock_guard g(mu_);
  return observed_.holder_identity;
}

}  // namespace ferry::leaderelection
