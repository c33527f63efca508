// The soil simulator as a field gateway on Modbus TCP (libmodbus): input
// registers carry the probe readings, coils switch the pumps
// (soil_registers.h). Single-threaded: the owner alternates serve() and
// SoilSimulator::advance(); several clients may be connected at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "continuum/sim/soil_sim.h"

typedef struct _modbus modbus_t;
typedef struct _modbus_mapping_t modbus_mapping_t;

namespace continuum::sim {

class SoilModbusServer {
 public:
  explicit SoilModbusServer(SoilSimulator& sim);
  ~SoilModbusServer();
  SoilModbusServer(const SoilModbusServer&) = delete;
  SoilModbusServer& operator=(const SoilModbusServer&) = delete;

  // Listens on address:port (port 0: any free port). Error message or "".
  std::string listen(const std::string& address, int port);
  int port() const { return port_; }

  // Answers requests for up to timeout_ms, publishing the simulator's state
  // before each answer and applying coil writes to the pumps after it.
  void serve(int timeout_ms);
  uint64_t requests() const { return requests_; }

 private:
  void publish();
  void apply_coils();

  SoilSimulator& sim_;
  modbus_t* ctx_ = nullptr;
  modbus_mapping_t* map_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::vector<int> clients_;
  uint64_t requests_ = 0;
};

}  // namespace continuum::sim
