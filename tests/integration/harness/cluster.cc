// Cluster, Eventually, MinMonitor and the fixture (harness.h).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "operator/kube/config.h"
#include "sim_client.h"
#include "tests/api/yaml_json.h"
#include "tests/integration/harness/harness.h"

namespace ferry::itest {
namespace {

const kube::ResourceRef& Crds() { return kube::kCustomResourceDefinitions; }

bool Established(const json& crd) {
  for (const auto& c : crd.value("/status/conditions"_json_pointer, json::array())) {
    if (c.value("type", "") == "Established" && c.value("status", "") == "True") return true;
  }
  return false;
}

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ferry-itest-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

}  // namespace

void EnsureEnvironment() {
  // ferry_add_test's ENVIRONMENT reaches tests only partly (CTest reads the second variable as
  // a property name): the build's own paths are the fallback, as the tests run from it.
  setenv("FERRY_SOURCE_DIR", FERRY_ITEST_SOURCE_DIR, 0);
  setenv("FERRY_BINARY_DIR", FERRY_ITEST_BINARY_DIR, 0);
}

std::string SourceDir() {
  const char* v = std::getenv("FERRY_SOURCE_DIR");
  return v ? v : "..";
}

std::string BinaryDir() {
  const char* v = std::getenv("FERRY_BINARY_DIR");
  return v ? v : ".";
}

bool Eventually(const std::function<bool()>& pred, Millis timeout, Millis poll) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(poll);
  }
}

json RollableDeployment(const std::string& ns, const std::string& name, int replicas,
                        const std::string& image) {
  const json labels = {{"app", name}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", labels}}},
            {"strategy",
             {{"type", "RollingUpdate"},
              {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", 1}}}}},
            {"template",
             {{"metadata", {{"labels", labels}}},
              {"spec", {{"containers", {{{"name", "app"}, {"image", image}}}}}}}}}}};
}

std::optional<int64_t> IntAt(const json& obj, const std::string& pointer) {
  json::json_pointer p(pointer);
  if (!obj.contains(p)) return std::nullopt;
  const json& v = obj.at(p);
  if (!v.is_number_integer()) return std::nullopt;
  return v.get<int64_t>();
}

std::string StringAt(const json& obj, const std::string& pointer) {
  json::json_pointer p(pointer);
  if (!obj.contains(p) || !obj.at(p).is_string()) return "";
  return obj.at(p).get<std::string>();
}

Cluster::Cluster(ClusterOptions options) {
  EnsureEnvironment();
  dir_ = MakeTempDir();
  if (dir_.empty()) {
    error_ = "cannot create a temporary folder";
    return;
  }
  kubeconfig_ = dir_ + "/kubeconfig";
  std::vector<std::string> args = {"--kubeconfig-out", kubeconfig_, "--pod-ready-delay",
                                   std::to_string(options.pod_ready_delay_seconds)};
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  sim_ = std::make_unique<simtest::SimProcess>(args);
  if (!sim_->ok()) {
    error_ = "kube-sim did not start (is " + BinaryDir() + "/sim/kube-sim built?)";
    return;
  }
  auto config = kube::LoadKubeconfig(kubeconfig_, "");
  if (!config) {
    error_ = "kubeconfig of kube-sim: " + config.error().ToString();
    return;
  }
  config->qps = 0;  // the test client is never rate limited
  config->user_agent = "ferry-itest";
  auto client = kube::Client::New(*config);
  if (!client) {
    error_ = "client: " + client.error().ToString();
    return;
  }
  client_ = std::move(*client);
  if (options.install_crds) {
    if (auto st = InstallCrds(); !st) error_ = st.error().message;
  }
}

Cluster::~Cluster() {
  client_.reset();
  sim_.reset();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

const std::string& Cluster::url() const { return sim_->url(); }
int Cluster::port() const { return sim_->port(); }

Status Cluster::InstallCrds() {
  std::vector<std::string> names;
  for (const auto& path : api::testing::ListFiles("crds", ".yaml")) {
    for (const auto& doc : api::testing::LoadYamlFile(path)) {
      auto created = client_->Create(Crds(), doc);
      if (!created && !kube::IsAlreadyExists(created.error())) {
        return Error{"creating CRD from " + path + ": " + created.error().ToString()};
      }
      names.push_back(doc["metadata"]["name"].get<std::string>());
    }
  }
  for (const auto& name : names) {
    bool ok = Eventually([&] {
      auto crd = client_->Get(Crds(), "", name);
      return crd && Established(*crd);
    });
    if (!ok) return Error{"CRD " + name + " not Established"};
  }
  return {};
}

Status Cluster::CreateNamespace(const std::string& name) {
  json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  auto r = client_->Create(kube::kNamespaces, ns);
  if (!r && !kube::IsAlreadyExists(r.error())) return Error{r.error().ToString()};
  return {};
}

Status Cluster::FailRequests(const std::string& path_prefix, int count, int code) {
  json body = {{"failNext", {{"count", count}, {"code", code}, {"pathPrefix", path_prefix}}}};
  if (!simtest::SimAdmin(port()).PostFaults(body)) return Error{"POST /sim/faults failed"};
  return {};
}

Status Cluster::ClearFaults() {
  if (!simtest::SimAdmin(port()).ClearFaults()) return Error{"DELETE /sim/faults failed"};
  return {};
}

kube::Result<json> Cluster::Apply(const kube::ResourceRef& ref, const json& obj) {
  json body = obj;
  body["apiVersion"] = ref.ApiVersion();
  body["kind"] = ref.kind;
  return client_->Apply(ref, body, {.field_manager = "itest", .force = true});
}

std::optional<json> Cluster::Find(const kube::ResourceRef& ref, const std::string& ns,
                                  const std::string& name) {
  auto r = client_->Get(ref, ns, name);
  if (!r) return std::nullopt;
  return std::move(*r);
}

kube::Result<json> Cluster::Annotate(const kube::ResourceRef& ref, const std::string& ns,
                                     const std::string& name, const json& annotations) {
  json patch = {{"metadata", {{"annotations", annotations}}}};
  return client_->Patch(ref, ns, name, kube::PatchType::kMerge, patch);
}

std::vector<json> Cluster::EventsFor(const std::string& ns, const std::string& name) {
  std::vector<json> out;
  auto list = client_->List(kube::kEvents, ns);
  if (!list) return out;
  for (const auto& e : (*list)["items"]) {
    if (StringAt(e, "/involvedObject/name") == name) out.push_back(e);
  }
  return out;
}

MinMonitor::MinMonitor(kube::Client& client, kube::ResourceRef ref, std::string ns,
                       std::string name, std::string pointer, Millis poll)
    : client_(client), ref_(std::move(ref)), ns_(std::move(ns)), name_(std::move(name)),
      pointer_(std::move(pointer)), poll_(poll) {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      auto obj = client_.Get(ref_, ns_, name_);
      lock.lock();
      if (obj) {  // an unreachable API server is not a drop in availability
        min_ = std::min(min_, IntAt(*obj, pointer_).value_or(0));
        ++samples_;
      }
      cv_.wait_for(lock, poll_, [this] { return stop_; });
    }
  });
}

MinMonitor::~MinMonitor() { Stop(); }

void MinMonitor::Stop() {
  {
    std::lock_guard g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t MinMonitor::min() const {
  std::lock_guard g(mu_);
  return min_;
}

int64_t MinMonitor::samples() const {
  std::lock_guard g(mu_);
  return samples_;
}

void IntegrationTest::SetUp() {
  cluster_ = std::make_unique<Cluster>(ClusterOpts());
  ASSERT_TRUE(cluster_->ok()) << cluster_->error();
}

void IntegrationTest::TearDown() {
  if (operator_ != nullptr && HasFailure()) {
    std::cerr << "---- ferry-operator log ----\n" << operator_->LogText() << "---- end ----\n";
  }
  operator_.reset();
  cluster_.reset();
}

Operator& IntegrationTest::StartOperator() {
  if (operator_ == nullptr) {
    operator_ = std::make_unique<Operator>(cluster_->kubeconfig(), OperatorOpts());
    auto st = operator_->Start();
    if (!st) ADD_FAILURE() << "ferry-operator: " << st.error().message;
    else if (!operator_->WaitReady()) ADD_FAILURE() << "ferry-operator never became ready";
  }
  return *operator_;
}

}  // namespace ferry::itest
