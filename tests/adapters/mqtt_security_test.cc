// MqttBus with username/password and with TLS, against a mosquitto that
// requires them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "continuum/adapters/mqtt_bus.h"
#include "support/collector.h"
#include "support/mqtt_probe.h"
#include "support/server_process.h"

namespace continuum::adapters {
namespace {

MqttConfig client_config(int port, const std::string& id) { return testing::quick_reconnect_client(port, id); }

// Publishes one message through `config` and reports whether `config`'s own
// subscription received it (both directions work).
bool round_trip(const MqttConfig& config) {
  MqttBus bus(config);
  testing::Collector seen;
  seen.attach(bus);
  bus.subscribe("ctm/v1/test", 1);
  if (!bus.start() || !bus.wait_subscribed(2000)) return false;
  if (!bus.publish("ctm/v1/test", "hello", 1, false, nullptr)) return false;
  auto messages = seen.wait_for(1, 2000);
  return messages.size() == 1 && messages[0].payload == "hello";
}

TEST(MqttSecurity, UsernameAndPasswordAreRequiredAndSent) {
  if (testing::find_program("mosquitto").empty() || testing::find_program("mosquitto_passwd").empty())
    GTEST_SKIP() << "mosquitto / mosquitto_passwd not installed";
  testing::MosquittoServer broker({.username = "edge", .password = "s3cret"});
  ASSERT_TRUE(broker.start()) << broker.log();

  MqttConfig good = client_config(broker.port(), "good");
  good.username = "edge";
  good.password = "s3cret";
  EXPECT_TRUE(round_trip(good));

  MqttConfig wrong = client_config(broker.port(), "wrong");
  wrong.username = "edge";
  wrong.password = "guess";
  MqttBus refused(wrong);
  refused.start();
  EXPECT_FALSE(refused.wait_connected(500));

  MqttBus anonymous(client_config(broker.port(), "anonymous"));
  anonymous.start();
  EXPECT_FALSE(anonymous.wait_connected(500));
}

// A private CA and a server certificate for 127.0.0.1, made with openssl.
struct Certificates {
  testing::TempDir dir;
  std::string ca, cert, key;
  bool made = false;
  Certificates() {
    const std::string d = dir.path().string();
    ca = d + "/ca.crt";
    cert = d + "/server.crt";
    key = d + "/server.key";
    std::ofstream(d + "/san.cnf") << "subjectAltName=IP:127.0.0.1\n";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    const std::string script =
        "cd '" + d + "' && " +
        "openssl req -x509" + ec + "-keyout ca.key -out ca.crt -days 2 -subj /CN=continuum-test-ca && " +
        "openssl req" + ec + "-keyout server.key -out server.csr -subj /CN=127.0.0.1 && " +
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile san.cnf -out server.crt";
    made = std::system(("(" + script + ") >/dev/null 2>&1").c_str()) == 0;
  }
};

TEST(MqttSecurity, TlsWithAPrivateCa) {
  if (testing::find_program("mosquitto").empty() || testing::find_program("openssl").empty())
    GTEST_SKIP() << "mosquitto / openssl not installed";
  Certificates certificates;
  ASSERT_TRUE(certificates.made) << "openssl could not make the test certificates";
  testing::MosquittoServer broker(
      {.ca_file = certificates.ca, .cert_file = certificates.cert, .key_file = certificates.key});
  ASSERT_TRUE(broker.start()) << broker.log();

  MqttConfig tls = client_config(broker.port(), "tls");
  tls.tls = MqttTls{.ca_file = certificates.ca};
  EXPECT_TRUE(round_trip(tls));

  // Plain MQTT to the TLS listener does not get a session.
  MqttBus plain(client_config(broker.port(), "plain"));
  plain.start();
  EXPECT_FALSE(plain.wait_connected(500));
}

}  // namespace
}  // namespace continuum::adapters
