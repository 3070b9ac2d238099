// docs/API.md stays in step with the CRDs: its generated field tables are current, it names every
// field, and every field has an example in config/samples/ or in a YAML block of docs/API.md.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "operator/api/pipeline_types.h"
#include "operator/api/release_types.h"
#include "tests/api/crd_schema.h"
#include "tests/api/docs_reference.h"
#include "tests/api/yaml_json.h"

namespace ferry::api {
namespace {

using namespace ferry::api::testing;

std::string ApiMd() { return ReadFile(SourcePath("docs/API.md")); }

// Every ```yaml block of docs/API.md that holds a Ferry object.
std::vector<json> DocExamples() {
  std::vector<json> out;
  std::string md = ApiMd();
  std::regex block(R"(```yaml\n([\s\S]*?)```)");
  for (auto it = std::sregex_iterator(md.begin(), md.end(), block); it != std::sregex_iterator(); ++it) {
    json doc = YamlToJson((*it)[1].str());
    if (doc.is_object() && doc.contains("kind")) out.push_back(doc);
  }
  return out;
}

TEST(DocsTest, GeneratedReferenceIsCurrent) {
  std::string md = ApiMd();
  EXPECT_EQ(UpdateGeneratedSections(md), md)
      << "docs/API.md is out of date with crds/: run build-api/tests/api/ferry_api_docgen --write";
}

TEST(DocsTest, NamesEveryField) {
  std::string md = ApiMd();
  for (const auto& doc_kind : kDocKinds) {
    const char* kind = doc_kind[0];  // clang 14 cannot capture a structured binding
    const char* crd = doc_kind[1];
    WalkProperties(LoadCrdSchema(SourcePath(crd)), [&](const std::string& path, const json&, bool) {
      if (path == "apiVersion" || path == "kind" || path == "metadata") return;
      EXPECT_NE(md.find("`" + path + "`"), std::string::npos) << kind << " " << path;
    });
  }
}

TEST(DocsTest, EveryFieldHasAnExample) {
  std::vector<json> examples;
  for (const auto& file : ListFiles("config/samples", ".yaml")) {
    for (auto& doc : LoadYamlFile(file)) examples.push_back(doc);
  }
  auto docs = DocExamples();
  ASSERT_GE(docs.size(), 2u) << "docs/API.md should carry YAML examples";
  examples.insert(examples.end(), docs.begin(), docs.end());
  for (const auto& doc_kind : kDocKinds) {
    const std::string kind = doc_kind[0];
    json schema = LoadCrdSchema(SourcePath(doc_kind[1]));
    std::vector<std::string> used;
    for (const auto& doc : examples) {
      if (doc.value("kind", "") == kind) CollectValuePaths(schema, doc, "", used);
    }
    std::set<std::string> covered(used.begin(), used.end());
    WalkProperties(schema, [&](const std::string& path, const json&, bool) {
      EXPECT_TRUE(covered.contains(path)) << kind << " field " << path << " has no example";
    });
  }
}

TEST(DocsTest, DocExamplesObeyTheSchema) {
  for (const auto& doc : DocExamples()) {
    std::string crd = doc["kind"] == "Release" ? "crds/ferry.dev_releases.yaml" : "crds/ferry.dev_pipelines.yaml";
    auto violations = SchemaViolations(LoadCrdSchema(SourcePath(crd)), doc);
    EXPECT_TRUE(violations.empty()) << violations.front();
  }
}

TEST(DocsTest, DocExamplesDecodeAndValidate) {
  for (const auto& doc : DocExamples()) {
    FieldErrors errs;
    if (doc["kind"] == "Release") {
      auto r = DecodeRelease(doc);
      errs = r.ok() ? ValidateRelease(*r) : r.error();
    } else {
      auto p = DecodePipeline(doc);
      errs = p.ok() ? ValidatePipeline(*p) : p.error();
    }
    EXPECT_TRUE(errs.empty()) << doc["metadata"]["name"] << ": " << JoinErrors(errs);
  }
}

}  // namespace
}  // namespace ferry::api
