#include "operator/controllers/pipeline/job_builder.h"

#include <algorithm>
#include <cassert>
#include <cctype>

#include "operator/api/validation.h"
#include "operator/controllers/pipeline/hash.h"

namespace ferry::pipeline {

namespace {

constexpr char kSecretVolumePrefix[] = "secret-";
constexpr int kSecretFileMode = 0400;  // read-only for the owner: ssh refuses laxer key files

// Clones the source into the shared workspace. Inputs come from the environment, never from the
// script text, so a URL or ref cannot inject shell. Credentials are read from files.
constexpr char kCheckoutScript[] = R"SH(set -eu
cred=/etc/ferry/git-credentials
export GIT_CONFIG_GLOBAL=/tmp/ferry-gitconfig
if [ -f "$cred/ssh-privatekey" ]; then
  opts="-i $cred/ssh-privatekey -o IdentitiesOnly=yes"
  if [ -f "$cred/known_hosts" ]; then
    opts="$opts -o UserKnownHostsFile=$cred/known_hosts -o StrictHostKeyChecking=yes"
  else
    opts="$opts -o UserKnownHostsFile=/tmp/known_hosts -o StrictHostKeyChecking=accept-new"
  fi
  export GIT_SSH_COMMAND="ssh $opts"
fi
if [ -f "$cred/username" ] && [ -f "$cred/password" ]; then
  git config --global credential.helper \
    '!f() { echo "username=$(cat /etc/ferry/git-credentials/username)"; echo "password=$(cat /etc/ferry/git-credentials/password)"; }; f'
fi
git init -q "$FERRY_SOURCE_DIR"
cd "$FERRY_SOURCE_DIR"
git remote add origin "$FERRY_SOURCE_URL"
if [ -n "$FERRY_REVISION" ]; then
  git fetch -q --depth 1 origin "$FERRY_REVISION" || git fetch -q origin "$FERRY_SOURCE_REF"
  git checkout -q --detach "$FERRY_REVISION" --
else
  git fetch -q --depth 1 origin "$FERRY_SOURCE_REF"
  git checkout -q --detach FETCH_HEAD
fi
chmod -R a+rwX "$FERRY_SOURCE_DIR"
git rev-parse HEAD | tee /dev/termination-log
)SH";

std::string TrimDashes(std::string s) {
  while (!s.empty() && !std::isalnum(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t start = 0;
  while (start < s.size() && !std::isalnum(static_cast<unsigned char>(s[start]))) ++start;
  return s.substr(start);
}

Json EnvVar(std::string_view name, std::string_view value) {
  return Json{{"name", name}, {"value", value}};
}

Json RunEnv(const JobRequest& req) {
  const auto& p = *req.pipeline;
  return Json::array(
      {EnvVar("FERRY_PIPELINE", p.metadata.name), EnvVar("FERRY_RUN_ID", req.run_id),
       EnvVar("FERRY_RUN_NUMBER", std::to_string(req.run_number)),
       EnvVar("FERRY_STAGE", req.stage.name), EnvVar("FERRY_ATTEMPT", std::to_string(req.attempt)),
       EnvVar("FERRY_REVISION", req.revision), EnvVar("FERRY_SOURCE_URL", p.spec.source.url),
       EnvVar("FERRY_SOURCE_REF", req.ref)});
}

Json KeyRef(const api::KeySelector& k) {
  return Json{{"name", k.name}, {"key", k.key}, {"optional", k.optional}};
}

Json StageEnv(const JobRequest& req) {
  Json env = RunEnv(req);
  for (const auto& e : req.stage.env) {
    Json var{{"name", e.name}};
    if (!e.valueFrom) {
      var["value"] = e.value;
    } else if (e.valueFrom->secretKeyRef) {
      var["valueFrom"] = {{"secretKeyRef", KeyRef(*e.valueFrom->secretKeyRef)}};
    } else if (e.valueFrom->configMapKeyRef) {
      var["valueFrom"] = {{"configMapKeyRef", KeyRef(*e.valueFrom->configMapKeyRef)}};
    }
    env.push_back(std::move(var));
  }
  return env;
}

Json Labels(const JobRequest& req) {
  return Json{{kLabelManagedBy, kManagedByFerry},
              {kLabelPipeline, LabelValue(req.pipeline->metadata.name)},
              {kLabelRun, LabelValue(req.run_id)},
              {kLabelStage, LabelValue(req.stage.name)},
              {kLabelRevision, LabelValue(req.revision)}};
}

Json Metadata(const JobRequest& req, const std::string& name) {
  const auto& m = req.pipeline->metadata;
  return Json{
      {"name", name},
      {"namespace", m.namespace_},
      {"labels", Labels(req)},
      {"annotations",
       {{kAnnotationRevision, req.revision}, {kAnnotationAttempt, std::to_string(req.attempt)}}},
      {"ownerReferences", Json::array({{{"apiVersion", api::kApiVersion},
                                        {"kind", api::kPipelineKind},
                                        {"name", m.name},
                                        {"uid", m.uid},
                                        {"controller", true},
                                        {"blockOwnerDeletion", true}}})}};
}

// The Pod template's metadata: the stage's podMetadata, then Ferry's labels (they win).
Json PodMetadata(const JobRequest& req) {
  Json labels = Json::object();
  for (const auto& [k, v] : req.stage.podMetadata.labels) labels[k] = v;
  const Json ferry_labels = Labels(req);  // named: items() must not outlive a temporary
  for (const auto& [k, v] : ferry_labels.items()) labels[k] = v;
  Json md{{"labels", std::move(labels)}};
  if (!req.stage.podMetadata.annotations.empty()) {
    md["annotations"] = req.stage.podMetadata.annotations;
  }
  return md;
}

Json CheckoutContainer(const JobRequest& req) {
  Json env = RunEnv(req);
  env.push_back(EnvVar("FERRY_SOURCE_DIR", kSourceDir));
  Json mounts = Json::array({{{"name", kWorkspaceVolume}, {"mountPath", kWorkspaceMountPath}}});
  if (req.pipeline->spec.source.secretRef) {
    mounts.push_back({{"name", kGitCredentialsVolume},
                      {"mountPath", kGitCredentialsMountPath},
                      {"readOnly", true}});
  }
  return Json{{"name", kCheckoutContainerName},
              {"image", req.git_image},
              {"command", Json::array({"sh", "-c", kCheckoutScript})},
              {"env", std::move(env)},
              {"volumeMounts", std::move(mounts)},
              {"terminationMessagePolicy", "FallbackToLogsOnError"}};
}

Json Resources(const api::ResourceRequirements& r) {
  Json out = Json::object();
  if (!r.requests.empty()) out["requests"] = r.requests;
  if (!r.limits.empty()) out["limits"] = r.limits;
  return out;
}

Json StageContainer(const JobRequest& req) {
  const api::Stage& s = req.stage;
  Json mounts = Json::array({{{"name", kWorkspaceVolume}, {"mountPath", kWorkspaceMountPath}}});
  for (size_t i = 0; i < s.secretMounts.size(); ++i) {
    mounts.push_back({{"name", kSecretVolumePrefix + std::to_string(i)},
                      {"mountPath", s.secretMounts[i].mountPath},
                      {"readOnly", true}});
  }
  Json c{{"name", kStageContainerName},
         {"image", s.image},
         {"workingDir", s.workingDir},
         {"env", StageEnv(req)},
         {"resources", Resources(s.resources)},
         {"volumeMounts", std::move(mounts)},
         {"terminationMessagePath", "/dev/termination-log"},
         {"terminationMessagePolicy", "FallbackToLogsOnError"}};
  if (!s.command.empty()) c["command"] = s.command;
  if (!s.args.empty()) c["args"] = s.args;
  return c;
}

Json Volumes(const JobRequest& req) {
  Json vols = Json::array({{{"name", kWorkspaceVolume}, {"emptyDir", Json::object()}}});
  const auto& src = req.pipeline->spec.source;
  if (req.stage.checkout && src.secretRef) {
    vols.push_back(
        {{"name", kGitCredentialsVolume},
         {"secret", {{"secretName", src.secretRef->name}, {"defaultMode", kSecretFileMode}}}});
  }
  for (size_t i = 0; i < req.stage.secretMounts.size(); ++i) {
    vols.push_back({{"name", kSecretVolumePrefix + std::to_string(i)},
                    {"secret", {{"secretName", req.stage.secretMounts[i].secretName}}}});
  }
  return vols;
}

}  // namespace

std::string LabelValue(std::string_view s) {
  if (api::IsLabelValue(s)) return std::string(s);
  std::string out(s.substr(0, kMaxJobNameLength));
  for (char& c : out) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) c = '-';
  }
  return TrimDashes(out);
}

std::string JobName(std::string_view pipeline, int64_t run_number, std::string_view stage,
                    int32_t attempt) {
  std::string name =
      std::string(pipeline) + "-" + std::to_string(run_number) + "-" + std::string(stage);
  if (attempt >= 2) name += "-r" + std::to_string(attempt);
  if (name.size() <= kMaxJobNameLength && api::IsDnsLabel(name)) return name;
  std::string hash = ToHex(Sha256(name)).substr(0, kJobNameHashLength);
  std::string head = name.substr(0, kMaxJobNameLength - kJobNameHashLength - 1);
  for (char& c : head) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  head = TrimDashes(head);
  return head.empty() ? hash : head + "-" + hash;
}

Result<int64_t> DeadlineSeconds(std::string_view stage_timeout,
                                std::optional<std::chrono::milliseconds> run_time_left) {
  auto timeout = api::ParseDuration(stage_timeout);
  if (!timeout.ok()) return Error{"timeout: " + timeout.error().message};
  auto d = timeout.value();
  if (run_time_left && *run_time_left < d) d = *run_time_left;
  int64_t seconds = (d.count() + 999) / 1000;
  return std::max<int64_t>(seconds, 1);
}

Status CheckSourceInputs(const JobRequest& req) {
  // Both reach git's command line in the checkout script: refuse anything git could read as an
  // option, whoever set it (spec, the ferry.dev/run-revision annotation, a webhook).
  if (!req.revision.empty() && !IsCommitId(req.revision)) {
    return Error{"run revision " + api::Quote(req.revision) +
                 " is not a commit id (7 to 64 lower-case hex digits); fix spec.source.revision "
                 "or the ferry.dev/run-revision annotation"};
  }
  if (req.ref.empty() || req.ref.front() == '-' ||
      req.ref.find_first_of(" \t\n") != std::string::npos) {
    return Error{"run ref " + api::Quote(req.ref) + " is not a git ref; fix spec.source.ref"};
  }
  return {};
}

bool IsCommitId(std::string_view s) {
  return s.size() >= kMinCommitIdLength && s.size() <= kMaxCommitIdLength &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<Json> BuildJob(const JobRequest& req) {
  assert(req.pipeline != nullptr);
  if (Status s = CheckSourceInputs(req); !s.ok()) return s.error();
  auto deadline = DeadlineSeconds(req.stage.timeout, req.run_time_left);
  if (!deadline.ok()) return Error{"stage " + req.stage.name + ": " + deadline.error().message};
  std::string name =
      JobName(req.pipeline->metadata.name, req.run_number, req.stage.name, req.attempt);
  Json pod_spec{{"restartPolicy", "Never"},
                {"containers", Json::array({StageContainer(req)})},
                {"volumes", Volumes(req)}};
  if (req.stage.checkout) pod_spec["initContainers"] = Json::array({CheckoutContainer(req)});
  const auto& sa = req.pipeline->spec.serviceAccountName;
  if (!sa.empty()) pod_spec["serviceAccountName"] = sa;
  return Json{
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", Metadata(req, name)},
      {"spec",
       {{"backoffLimit", 0},
        {"activeDeadlineSeconds", deadline.value()},
        {"template", {{"metadata", PodMetadata(req)}, {"spec", std::move(pod_spec)}}}}}};
}

}  // namespace ferry::pipeline
