// Bad deployment files and command lines: a clear error naming the file and
// the key, exit status 2, and nothing started (no run directory made).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "up_process.h"

namespace continuum::testing {
namespace {

struct Checked {
  int status;
  std::string output;
};

// Writes TEXT to a deployment file and runs `up` on it (for real, not
// --check, unless asked): it must fail before starting anything.
Checked up_on(const std::string& text, bool check = false) {
  std::string dir = fresh_dir("files");
  std::string file = dir + "/app.toml";
  std::ofstream(file) << text;
  std::string output;
  std::vector<std::string> args = {"up", file, "--modules", MODULES_DIR, "--run-dir", dir + "/run", "--for", "5s"};
  if (check) args.push_back("--check");
  int status = run_continuum(args, &output);
  EXPECT_FALSE(std::filesystem::exists(dir + "/run")) << "nothing may start for a bad file";
  return {status, output};
}

const char* kEdge = R"(
[[nodes]]
[nodes.node]
id = "edge-1"
[[nodes.stages]]
name = "control"
module = "${modules}/irrigation-control.wasm"
grants = ["config", "emit:readings"]
)";

TEST(UpFiles, ShippedFilesPassTheCheck) {
  for (const char* name : {"both.toml", "irrigation.toml", "robot.toml"}) {
    std::string output;
    int status = run_continuum({"up", std::string(DEPLOY_DIR) + "/" + name, "--check", "--modules", MODULES_DIR}, &output);
    EXPECT_EQ(status, 0) << name << ": " << output;
    EXPECT_NE(output.find("node(s)"), std::string::npos) << output;
  }
}

TEST(UpFiles, MissingFile) {
  std::string output;
  EXPECT_EQ(run_continuum({"up", "/nonexistent/app.toml"}, &output), 2);
  EXPECT_NE(output.find("error: /nonexistent/app.toml: cannot read the deployment file"), std::string::npos) << output;
}

TEST(UpFiles, MissingDeploymentTable) {
  Checked c = up_on(kEdge);
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: deployment: missing"), std::string::npos) << c.output;
}

TEST(UpFiles, UnknownTopLevelKey) {
  Checked c = up_on(std::string("[deployment]\nname = \"x\"\n[brokers]\nport = 1\n") + kEdge);
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: brokers: unknown key"), std::string::npos) << c.output;
}

TEST(UpFiles, BadSimulatorKind) {
  Checked c = up_on(std::string("[deployment]\nname = \"x\"\n[[simulators]]\nname = \"s\"\nkind = \"plc\"\n") + kEdge);
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: simulators[0].kind: expected \"soil\" or \"krc2\", got \"plc\""), std::string::npos)
      << c.output;
}

TEST(UpFiles, SimulatorValueOutOfRange) {
  Checked c = up_on(std::string("[deployment]\nname = \"x\"\n[[simulators]]\nname = \"f\"\nkind = \"soil\"\nfields = 99\n") + kEdge);
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: simulators[0].fields: expected an integer from 1 to 56"), std::string::npos)
      << c.output;
}

TEST(UpFiles, UnknownSimulatorKey) {
  Checked c = up_on(std::string("[deployment]\nname = \"x\"\n[[simulators]]\nname = \"r\"\nkind = \"krc2\"\nbaudrate = 9600\n") + kEdge);
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: simulators[0].baudrate: unknown key"), std::string::npos) << c.output;
}

TEST(UpFiles, ReferenceToAnUndeclaredSimulator) {
  Checked c = up_on(std::string("[deployment]\nname = \"x\"\n") + kEdge +
                    "[[nodes.devices]]\nname = \"krc2\"\nkind = \"serial\"\npath = \"${sim.robot.tty}\"\n");
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: line 14: ${sim.robot.tty} is not a known reference"), std::string::npos)
      << c.output;
}

TEST(UpFiles, NodeSectionErrorsComeFromTheNodeConfigChecker) {
  std::string text = std::string("[deployment]\nname = \"x\"\n") + kEdge;
  text.replace(text.find("irrigation-control.wasm"), 23, "no-such-module.wasm");
  Checked c = up_on(text, /*check=*/true);
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: nodes[0] (edge-1): stages[0].module"), std::string::npos) << c.output;
}

TEST(UpFiles, DataDirBelongsToUp) {
  std::string text = std::string("[deployment]\nname = \"x\"\n") + kEdge;
  text.replace(text.find("id = \"edge-1\""), 13, "id = \"edge-1\"\ndata_dir = \"/tmp/x\"");
  Checked c = up_on(text);
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: nodes[0] (edge-1): node.data_dir: set by `continuum up`"), std::string::npos)
      << c.output;
}

TEST(UpFiles, DuplicateNodeIds) {
  Checked c = up_on(std::string("[deployment]\nname = \"x\"\n") + kEdge + kEdge);
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("nodes[1] (edge-1): node.id: \"edge-1\" is used by another node"), std::string::npos)
      << c.output;
}

TEST(UpFiles, TomlSyntaxErrorNamesTheLine) {
  Checked c = up_on("[deployment]\nname = \"x\n");
  EXPECT_EQ(c.status, 2);
  EXPECT_NE(c.output.find("app.toml: line 2:"), std::string::npos) << c.output;
}

TEST(UpFiles, BadCommandLines) {
  std::string output;
  std::string both = std::string(DEPLOY_DIR) + "/both.toml";
  EXPECT_EQ(run_continuum({"up", both, "--for", "soon"}, &output), 2);
  EXPECT_NE(output.find("error: --for: expected a duration such as \"30s\""), std::string::npos) << output;
  EXPECT_EQ(run_continuum({"up", both, "--broker-outage", "8s"}, &output), 2);
  EXPECT_NE(output.find("error: --broker-outage: expected AT+DURATION such as \"8s+5s\""), std::string::npos) << output;
  EXPECT_EQ(run_continuum({"up"}, &output), 2);
}

TEST(UpFiles, OutageNeedsTheManagedBroker) {
  std::string dir = fresh_dir("outage");
  std::ofstream(dir + "/app.toml") << std::string("[deployment]\nname = \"x\"\n[broker]\nport = 1883\n") + kEdge;
  std::string output;
  EXPECT_EQ(run_continuum({"up", dir + "/app.toml", "--broker-outage", "1s+1s"}, &output), 2);
  EXPECT_NE(output.find("--broker-outage needs the broker `continuum up` starts itself"), std::string::npos) << output;
}

}  // namespace
}  // namespace continuum::testing
