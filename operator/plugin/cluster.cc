#include "operator/plugin/cluster.h"

#include "operator/api/meta.h"

namespace ferry::plugin {

const kube::ResourceRef kReleases{api::kGroup, api::kVersion, "releases", "Release", true};
const kube::ResourceRef kPipelines{api::kGroup, api::kVersion, "pipelines", "Pipeline", true};

namespace {

constexpr char kUserAgentPrefix[] = "kubectl-ferry/";

std::string ListHint(const std::string& ns) {
  return "list them with: kubectl ferry get -n " + ns + " (or -A for every namespace)";
}

// A 404 naming an object (details.name) vs. a 404 for the whole resource type (no CRD).
bool ObjectMissing(const kube::Error& e) {
  return e.details.is_object() && e.details.contains("name");
}

}  // namespace

std::string KindPrefix(Kind k) { return k == Kind::kPipeline ? "pipeline.ferry.dev" : "release.ferry.dev"; }

const kube::ResourceRef& RefFor(Kind k) { return k == Kind::kPipeline ? kPipelines : kReleases; }

std::string DescribeError(const kube::Error& e, const std::string& what, const std::string& ns,
                          const std::string& server) {
  if (kube::IsNotFound(e) && ObjectMissing(e)) {
    return what + " not found in namespace \"" + ns + "\"; " + ListHint(ns);
  }
  if (kube::IsNotFound(e)) {
    return "the server " + server + " does not serve " + what +
           ": install Ferry's CRDs (kubectl apply -f crds/, or the Helm chart)";
  }
  if (kube::IsUnauthorized(e)) {
    return "the server " + server + " refused the credentials (401): check the kubeconfig's user (" +
           e.message + ")";
  }
  if (kube::IsForbidden(e)) {
    return "forbidden: " + e.message + " (ask for RBAC on releases/pipelines.ferry.dev in \"" + ns + "\")";
  }
  if (e.kind == kube::Error::Kind::kNetwork || e.kind == kube::Error::Kind::kTimeout) {
    return "cannot reach the API server " + server + ": " + e.message +
           " (check --kubeconfig/--context and that the cluster is up)";
  }
  return what + ": " + e.ToString();
}

Result<std::unique_ptr<Cluster>> Cluster::Connect(const Invocation& inv) {
  auto config = kube::LoadConfig(inv.kubeconfig, inv.context);
  if (!config.ok()) {
    return Error{"cannot load the cluster configuration: " + config.error().message +
                 " (pass --kubeconfig FILE, set KUBECONFIG, or pick a --context)"};
  }
  kube::Config c = std::move(config.value());
  c.user_agent = std::string(kUserAgentPrefix) + FERRY_VERSION;
  std::string ns = inv.namespace_.empty() ? c.default_namespace : inv.namespace_;
  auto client = kube::Client::New(std::move(c));
  if (!client.ok()) return Error{"cannot create the API client: " + client.error().ToString()};
  return std::make_unique<Cluster>(std::move(client.value()), ns);
}

Error Cluster::Describe(const kube::Error& e, const std::string& what) const {
  return Error{DescribeError(e, what, ns_, client_->config().server)};
}

Result<std::vector<Target>> Cluster::ResolveAll(Kind kind, const std::string& name) {
  std::vector<Kind> kinds = kind == Kind::kAny ? std::vector{Kind::kRelease, Kind::kPipeline}
                                               : std::vector{kind};
  std::vector<Target> found;
  for (Kind k : kinds) {
    Target t{k, ns_, name, nullptr};
    auto obj = client_->Get(RefFor(k), ns_, name);
    if (obj.ok()) {
      t.object = std::move(obj.value());
      found.push_back(std::move(t));
    } else if (!(kube::IsNotFound(obj.error()) && kinds.size() > 1 && ObjectMissing(obj.error()))) {
      return Describe(obj.error(), t.Display());
    }
  }
  if (found.empty()) {
    return Error{"no Release or Pipeline named \"" + name + "\" in namespace \"" + ns_ + "\"; " +
                 ListHint(ns_)};
  }
  return found;
}

Result<Target> Cluster::Resolve(Kind kind, const std::string& name, bool prefer_release,
                                std::string* note) {
  auto all = ResolveAll(kind, name);
  if (!all.ok()) return all.error();
  auto& found = all.value();
  if (found.size() > 1 && !prefer_release) {
    return Error{"both release.ferry.dev/" + name + " and pipeline.ferry.dev/" + name +
                 " exist in namespace \"" + ns_ + "\": name one, e.g. release/" + name + " or pipeline/" +
                 name};
  }
  if (found.size() > 1 && note) {
    *note = "pipeline.ferry.dev/" + name + " exists too; use pipeline/" + name + " for it";
  }
  return std::move(found.front());
}

Result<nlohmann::json> Cluster::Get(const Target& t) {
  auto obj = client_->Get(RefFor(t.kind), t.ns, t.name);
  if (!obj.ok()) return Describe(obj.error(), t.Display());
  return std::move(obj.value());
}

Result<nlohmann::json> Cluster::List(const kube::ResourceRef& ref, bool all) {
  auto list = client_->ListAll(ref, all ? "" : ns_);
  if (!list.ok()) return Describe(list.error(), ref.GroupResource());
  return std::move(list.value());
}

}  // namespace ferry::plugin
